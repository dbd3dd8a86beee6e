"""Static reference data of the demo merchant: channels, couriers, warehouses, provinces, names."""

from __future__ import annotations

CHANNEL_WEIGHTS = {"tmall": 0.40, "jd": 0.25, "douyin": 0.25, "shop": 0.10}
SHOP_NAMES = {
    "tmall": "森屿家居天猫旗舰店",
    "jd": "森屿家居京东自营店",
    "douyin": "森屿家居抖音小店",
    "shop": "森屿官方商城",
}

CARRIERS = ("SF", "ZTO", "YTO", "JDL")

# province -> (region, zone). Zone 1 is near the warehouses, 3 is remote.
PROVINCES = {
    "上海": ("east", 1), "江苏": ("east", 1), "浙江": ("east", 1), "安徽": ("east", 1),
    "山东": ("east", 2), "福建": ("south", 2), "江西": ("south", 2), "广东": ("south", 1),
    "广西": ("south", 2), "海南": ("south", 2), "湖南": ("south", 2), "湖北": ("central", 2),
    "河南": ("central", 2), "北京": ("north", 1), "天津": ("north", 1), "河北": ("north", 1),
    "山西": ("north", 2), "内蒙古": ("north", 3), "辽宁": ("north", 2), "吉林": ("north", 2),
    "黑龙江": ("north", 3), "四川": ("west", 1), "重庆": ("west", 1), "贵州": ("west", 2),
    "云南": ("west", 2), "陕西": ("west", 2), "甘肃": ("west", 3), "宁夏": ("west", 3),
    "青海": ("west", 3), "新疆": ("west", 3), "西藏": ("west", 3),
}
# Where orders come from: heavier on the coastal provinces.
PROVINCE_WEIGHTS = {
    "广东": 12, "浙江": 9, "江苏": 9, "上海": 7, "北京": 6, "山东": 6, "四川": 5, "福建": 4,
    "河南": 4, "湖北": 4, "湖南": 3, "安徽": 3, "河北": 3, "重庆": 3, "陕西": 2, "天津": 2,
    "辽宁": 2, "江西": 2, "广西": 2, "云南": 2, "山西": 1, "贵州": 1, "黑龙江": 1, "吉林": 1,
    "内蒙古": 1, "新疆": 1, "甘肃": 1, "海南": 1, "宁夏": 0.5, "青海": 0.3, "西藏": 0.2,
}
CITIES = {
    "广东": "广州市", "浙江": "杭州市", "江苏": "南京市", "上海": "上海市", "北京": "北京市",
    "山东": "济南市", "四川": "成都市", "福建": "福州市", "河南": "郑州市", "湖北": "武汉市",
    "湖南": "长沙市", "安徽": "合肥市", "河北": "石家庄市", "重庆": "重庆市", "陕西": "西安市",
    "天津": "天津市", "辽宁": "沈阳市", "江西": "南昌市", "广西": "南宁市", "云南": "昆明市",
    "山西": "太原市", "贵州": "贵阳市", "黑龙江": "哈尔滨市", "吉林": "长春市", "内蒙古": "呼和浩特市",
    "新疆": "乌鲁木齐市", "甘肃": "兰州市", "海南": "海口市", "宁夏": "银川市", "青海": "西宁市",
    "西藏": "拉萨市",
}
# region -> warehouse that serves it
WAREHOUSES = {"east": "上海仓", "south": "广州仓", "central": "上海仓", "north": "北京仓", "west": "成都仓"}

CATEGORIES = ("床品", "收纳", "厨具", "灯具", "家纺", "香薰", "餐具", "清洁")
PRODUCT_WORDS = ("北欧", "简约", "日式", "轻奢", "复古", "原木", "极简", "法式")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬"
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "长江路")

_MUNICIPALITIES = {"北京", "上海", "天津", "重庆"}
_REGIONS = {"内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
            "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区"}
FULL_NAMES = {p: _REGIONS.get(p, p + ("市" if p in _MUNICIPALITIES else "省")) for p in PROVINCES}
"""Official province names, as some couriers print them (广东省, 广西壮族自治区)."""
