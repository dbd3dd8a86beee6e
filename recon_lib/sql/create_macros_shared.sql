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

-- Supplier invoices dated before p_end, each once, with their total with tax (the header's,
-- else the sum of its lines): what the purchase match and the supplier balances pay against.
CREATE OR REPLACE MACRO supplier_invoice_totals(p_end) AS TABLE
  SELECT h.supplier, h.invoice_no, h.invoice_date, coalesce(h.total, t.total) AS total
  FROM (SELECT * FROM supplier_invoices
        WHERE invoice_date < cast(p_end AS date)
        QUALIFY row_number() OVER (PARTITION BY supplier, invoice_no ORDER BY period DESC) = 1)
      AS h
  LEFT JOIN (SELECT supplier, invoice_no,
                    sum(coalesce(amount, qty * unit_price) + coalesce(tax, 0)) AS total
             FROM supplier_invoice_lines GROUP BY supplier, invoice_no) AS t
    ON t.supplier = h.supplier AND t.invoice_no = h.invoice_no;

-- Payments booked before p_end to a supplier we have invoices from (a debit on our statement),
-- each once, with the invoice(s) its reference quotes (reference_numbers) and each one's share
-- of the payment by their totals (allocated). A payment quoting none of the supplier's invoices
-- pays one of exactly its amount that no payment quotes, dated by the payment's day: several of
-- the same supplier and amount pair in order (the first payment with the first invoice), and a
-- pair whose invoice is dated after its payment stays apart. paired_by: 'reference' or
-- 'amount'; invoice_no null when the payment pays none.
CREATE OR REPLACE MACRO supplier_payment_shares(p_end) AS TABLE
  WITH invoices AS (SELECT * FROM supplier_invoice_totals(p_end)),
  paid AS (
    SELECT b.account, b.txn_id, b.booked_at, -b.amount AS amount, b.counterparty, b.reference
    FROM (SELECT * FROM bank_transactions
          QUALIFY row_number() OVER (PARTITION BY account, txn_id ORDER BY period DESC) = 1) AS b
    WHERE b.amount < 0 AND b.booked_at < cast(p_end AS timestamp)
      AND b.counterparty IN (SELECT supplier FROM invoices)),
  numbers AS (
    SELECT account, txn_id, counterparty, unnest(reference_numbers(reference)) AS number
    FROM paid),
  matched AS (
    SELECT DISTINCT n.account, n.txn_id, i.supplier, i.invoice_no, i.total, i.invoice_date
    FROM numbers AS n
    JOIN invoices AS i ON i.supplier = n.counterparty AND i.invoice_no = n.number),
  unquoted AS (
    SELECT p.account, p.txn_id, p.counterparty, p.amount, p.booked_at,
           row_number() OVER (PARTITION BY p.counterparty, p.amount
                              ORDER BY p.booked_at, p.account, p.txn_id) AS k
    FROM paid AS p
    WHERE NOT EXISTS (SELECT 1 FROM matched AS m
                      WHERE m.account = p.account AND m.txn_id = p.txn_id)),
  unpaid AS (
    SELECT i.supplier, i.invoice_no, i.total, i.invoice_date,
           row_number() OVER (PARTITION BY i.supplier, i.total
                              ORDER BY i.invoice_date, i.invoice_no) AS k
    FROM invoices AS i
    WHERE NOT EXISTS (SELECT 1 FROM matched AS m
                      WHERE m.supplier = i.supplier AND m.invoice_no = i.invoice_no)),
  by_amount AS (
    SELECT u.account, u.txn_id, i.invoice_no, i.total, i.invoice_date
    FROM unquoted AS u
    JOIN unpaid AS i ON i.supplier = u.counterparty AND i.total = u.amount AND i.k = u.k
    WHERE i.invoice_date <= cast(u.booked_at AS date)),
  pairs AS (
    SELECT account, txn_id, invoice_no, total, invoice_date, 'reference' AS paired_by
    FROM matched
    UNION ALL
    SELECT account, txn_id, invoice_no, total, invoice_date, 'amount' AS paired_by
    FROM by_amount),
  quoted AS (
    SELECT p.*, m.invoice_no, m.total, m.invoice_date, m.paired_by
    FROM paid AS p
    LEFT JOIN pairs AS m ON m.account = p.account AND m.txn_id = p.txn_id)
  SELECT q.*,
         coalesce(round(q.amount * q.total
                        / nullif(sum(q.total) OVER (PARTITION BY q.account, q.txn_id), 0), 2),
                  q.amount) AS allocated
  FROM quoted AS q;

-- The COD parcels (shipments.cod_amount) that left before period_end, with what the tracking
-- events before it say: delivered_at (the last delivery), refused_at (the last refusal, only when
-- no delivery follows it: refused on the first try and delivered on the second is delivered).
-- The COD reconciliation (sql/cod_parcels.sql) and its report (sql/cod_outstanding.sql) share it.
CREATE OR REPLACE MACRO cod_parcel_events(period_end) AS TABLE
  WITH parcels AS (
    SELECT s.tracking_no, s.order_id, s.carrier, s.ship_time, s.cod_amount
    FROM one_shipment_per_waybill() AS s
    WHERE s.cod_amount IS NOT NULL AND s.ship_time < CAST(period_end AS TIMESTAMP)
  ), events AS (
    SELECT t.tracking_no,
           max(CASE WHEN t.event_type = 'delivered' THEN t.event_time END) AS delivered_at,
           max(CASE WHEN t.event_type = 'refused' THEN t.event_time END) AS refused_at
    FROM tracking_events AS t
    WHERE t.event_type IN ('delivered', 'refused')
      AND t.event_time < CAST(period_end AS TIMESTAMP)
      AND t.tracking_no IN (SELECT tracking_no FROM parcels)
    GROUP BY t.tracking_no
  )
  SELECT p.*, e.delivered_at,
         CASE WHEN e.refused_at IS NOT NULL
               AND (e.delivered_at IS NULL OR e.delivered_at < e.refused_at)
              THEN e.refused_at END AS refused_at
  FROM parcels AS p
  LEFT JOIN events AS e ON e.tracking_no = p.tracking_no;

-- COD parcels delivered (and not refused after) before period_end with no remittance line dated
-- before it: the money still with the couriers (the COD page's outstanding, the P&L's
-- cod_receivable).
CREATE OR REPLACE MACRO cod_unremitted(period_end) AS TABLE
  SELECT p.* FROM cod_parcel_events(period_end) AS p
  WHERE p.delivered_at IS NOT NULL AND p.refused_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM cod_remittances AS r
                    WHERE r.tracking_no = p.tracking_no
                      AND r.remit_date < CAST(period_end AS DATE));

-- The courier a COD deposit's counterparty names (cod_terms.payer), where the name is one
-- courier's only.
CREATE OR REPLACE MACRO cod_payer_carriers() AS TABLE
  SELECT payer, min(carrier) AS carrier
  FROM cod_terms
  WHERE payer IS NOT NULL
  GROUP BY payer
  HAVING count(DISTINCT carrier) = 1;

-- The orders paid in [p_start, p_end), each with whether a parcel of it left before p_end: the
-- population the money waterfall and the channel P&L both start from (they tie to the cent).
CREATE OR REPLACE MACRO period_paid_orders(p_start, p_end) AS TABLE
  SELECT o.*,
         o.order_id IN (SELECT s.order_id FROM shipments AS s
                        WHERE s.ship_time < CAST(p_end AS TIMESTAMP)) AS shipped
  FROM orders AS o
  WHERE o.paid_at >= CAST(p_start AS TIMESTAMP) AND o.paid_at < CAST(p_end AS TIMESTAMP);

-- Settlement lines settled before p_end, each in CNY at its settlement day's reference rate,
-- rounded per line (amount_cny; NULL when no rate is known): as the waterfall and the P&L count.
CREATE OR REPLACE MACRO settlement_lines_cny(p_end) AS TABLE
  SELECT l.*,
         round(l.amount * CASE WHEN l.currency = 'CNY' THEN 1 ELSE fx.rate_to_cny END, 2)
           AS amount_cny
  FROM settlement_lines AS l
  LEFT JOIN fx_rates AS fx
    ON fx.currency = l.currency AND fx.rate_date = CAST(l.settled_at AS DATE)
  WHERE l.settled_at < CAST(p_end AS TIMESTAMP);
