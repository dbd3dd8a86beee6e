-- Macros the reconciliations, analytics and reports share (run before create_results.sql).

-- One shipment row per waybill: the parcel a courier bill line, a tracking event or a freight
-- finding is about. A waybill may be on several shipment rows (two orders packed in one parcel;
-- a WMS export that lists a parcel once per order), and whatever looks a waybill up in shipments
-- takes this row, so a finding, its money, the claims and the alerts count a parcel once.
-- The rule: the row that left first (earliest ship_time), then the smallest shipment_id. The
-- parcel's carrier, service, weight, size, destination, declared value and order are that row's.
-- A filter on tracking_no outside the macro is applied before the ranking (DuckDB pushes it
-- down), so looking a few waybills up reads only their rows.
CREATE OR REPLACE MACRO one_shipment_per_waybill() AS TABLE
  SELECT * FROM shipments
  QUALIFY row_number() OVER (PARTITION BY tracking_no ORDER BY ship_time, shipment_id) = 1;

-- A phone as dialled: separators and the country code (+86, 0086, 86 before a mobile) removed.
CREATE OR REPLACE MACRO phone_digits(p) AS
  regexp_replace(regexp_replace(regexp_replace(trim(p), '[\s()（）\-]', '', 'g'),
                                '^(\+86|0086)', ''), '^86(1[0-9]{10})$', '\1');

-- A mainland phone: a mobile (1[3-9] and 9 digits) or a landline with its area code
-- (010 or 02x and 8 digits, 0xxx and 7 or 8 digits).
CREATE OR REPLACE MACRO valid_cn_phone(p) AS
  regexp_full_match(phone_digits(p), '1[3-9][0-9]{9}|0[12][0-9][0-9]{8}|0[3-9][0-9]{2}[0-9]{7,8}');

-- The masked phone a finding may show: the same rule as recon_lib.privacy.mask_phone
-- (first three and last four digits), so personal data never reaches a finding's text.
CREATE OR REPLACE MACRO mask_phone(p) AS
  CASE
    WHEN p IS NULL OR length(regexp_replace(p, '[^0-9]', '', 'g')) = 0 THEN NULL
    WHEN length(regexp_replace(p, '[^0-9]', '', 'g')) < 8
      THEN repeat('*', length(regexp_replace(p, '[^0-9]', '', 'g')))
    ELSE left(regexp_replace(p, '[^0-9]', '', 'g'), 3)
         || repeat('*', length(regexp_replace(p, '[^0-9]', '', 'g')) - 7)
         || right(regexp_replace(p, '[^0-9]', '', 'g'), 4)
  END;

-- The document numbers a bank reference may quote: each run of letters and digits, with the
-- separators numbers use (- _ . /) inside it, whole: '货款 FPX2610001，FPX2610002' quotes two,
-- and FPX0011 does not quote FPX001. A payment meets its invoice on equal numbers (a hash join)
-- rather than a reference containing the number (every payment against every invoice).
CREATE OR REPLACE MACRO reference_numbers(r) AS
  list_distinct(regexp_extract_all(coalesce(r, ''), '[0-9A-Za-z]+(?:[-_./][0-9A-Za-z]+)*'));

-- The purchase order(s) an id leads to: the PO itself, the PO of a goods receipt, or the PO(s)
-- an invoice bills (recon trace follows a PO through its receipts, invoices and payments).
CREATE OR REPLACE MACRO purchase_orders_of(id) AS TABLE
  SELECT po_no FROM purchase_orders WHERE po_no = id
  UNION SELECT po_no FROM goods_receipts WHERE grn_no = id AND po_no IS NOT NULL
  UNION SELECT coalesce(l.po_no, h.po_no)
        FROM supplier_invoices AS h
        JOIN supplier_invoice_lines AS l ON l.supplier = h.supplier AND l.invoice_no = h.invoice_no
        WHERE h.invoice_no = id AND coalesce(l.po_no, h.po_no) IS NOT NULL;
