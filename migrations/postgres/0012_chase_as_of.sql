-- The chase's audit number its projection (`chase`, `state`) was taken at. A send writes the
-- chase as it will be after the message, and can land after a later write by the chase
-- itself: the store keeps the newer one. NULL for projections written before.
ALTER TABLE invoices ADD COLUMN chase_as_of BIGINT;
