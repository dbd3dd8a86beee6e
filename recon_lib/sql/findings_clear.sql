-- Remove a reconciliation's findings of a period before its run stores them again.
delete from discrepancies where period = $period and recon = $recon
