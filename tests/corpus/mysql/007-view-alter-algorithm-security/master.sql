-- alter: a view's algorithm (TEMPTABLE), security (INVOKER) and query
CREATE TABLE employees (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  department VARCHAR(50) NOT NULL,
  salary DECIMAL(10,2) NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1
);
CREATE ALGORITHM=TEMPTABLE SQL SECURITY INVOKER VIEW department_payroll AS
  SELECT department, COUNT(*) AS headcount, SUM(salary) AS payroll FROM employees WHERE active = 1 GROUP BY department;
