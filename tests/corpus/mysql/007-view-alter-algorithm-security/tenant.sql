CREATE TABLE employees (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  department VARCHAR(50) NOT NULL,
  salary DECIMAL(10,2) NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1
);
CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW department_payroll AS
  SELECT department, SUM(salary) AS payroll FROM employees GROUP BY department;
