-- rename: the same function under another name on the tenant
CREATE FUNCTION vat_rate(p_country CHAR(2)) RETURNS DECIMAL(4,3) DETERMINISTIC
  RETURN CASE p_country WHEN 'DE' THEN 0.19 WHEN 'AT' THEN 0.20 ELSE 0.0 END;
