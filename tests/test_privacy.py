import pandas as pd

from recon_lib.privacy import mask_address, mask_frame, mask_name, mask_phone


def test_masks_keep_only_what_identifies_nobody():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 138-1234-1234") == "861******1234"
    assert mask_address("人民路345号21栋519室") == "人民路***"
    assert mask_name(None) is None and mask_phone("") is None


def test_mask_frame_masks_personal_columns_and_leaves_the_rest():
    df = pd.DataFrame({"order_id": ["A1"], "customer_name": ["李萍"],
                       "customer_phone": ["15269785975"], "ship_address": ["文化路345号"]})
    masked = mask_frame(df)
    assert masked.iloc[0].tolist() == ["A1", "李*", "152****5975", "文化路***"]
    assert df.iloc[0]["customer_name"] == "李萍", "the input is not modified"
