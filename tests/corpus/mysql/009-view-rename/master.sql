-- rename: the same view under another name on the tenant
CREATE TABLE employees (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  department VARCHAR(50) NOT NULL,
  salary DECIMAL(10,2) NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1
);
CREATE SQL SECURITY INVOKER VIEW staff_directory AS SELECT id, name, department FROM employees;
