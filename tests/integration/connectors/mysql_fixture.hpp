// The MySQL/MariaDB connector tests' shared fixture: a realistic schema (keys, foreign keys,
// checks, generated columns, every type, a view and a sequence) in a throwaway database.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_env.hpp"

namespace ferry::test {

using connectors::Connector;

inline const schema::Table& table_named(const schema::Catalog& catalog, const std::string& name) {
  const schema::Table* table = catalog.find_table("", name);
  if (table == nullptr)
    throw std::runtime_error("no table " + name + " in the catalog");
  return *table;
}

inline const schema::Column& column_named(const schema::Table& table, const std::string& name) {
  const schema::Column* column = table.find_column(name);
  if (column == nullptr)
    throw std::runtime_error("no column " + name + " in " + table.name);
  return *column;
}

inline std::string scalar(Connector& db, const std::string& sql) {
  const auto rows = db.query(sql);
  if (rows.empty() || rows.front().empty() || !rows.front().front())
    return "<null>";
  return *rows.front().front();
}

inline const std::vector<std::string> k_fixture = {
    "CREATE TABLE customers ("
    "  tenant_id INT NOT NULL,"
    "  id BIGINT NOT NULL,"
    "  email VARCHAR(40) COLLATE utf8mb4_bin NOT NULL COMMENT 'login e-mail',"
    "  status ENUM('active','blocked') NOT NULL DEFAULT 'active',"
    "  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
    "  PRIMARY KEY (tenant_id, id),"
    "  CONSTRAINT customers_email_key UNIQUE (tenant_id, email)"
    ") COMMENT 'people who buy'",
    "CREATE TABLE coupons (id INT NOT NULL PRIMARY KEY, code VARCHAR(40) NOT NULL)",
    "CREATE TABLE orders ("
    "  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    "  tenant_id INT NOT NULL,"
    "  customer_id BIGINT NOT NULL,"
    "  coupon_id INT NULL,"
    "  qty SMALLINT NOT NULL DEFAULT 1,"
    "  price DECIMAL(12,2) NOT NULL,"
    "  total DECIMAL(14,2) AS (qty * price) STORED,"
    "  note TEXT,"
    "  placed_on DATE,"
    "  CONSTRAINT orders_customer_fk FOREIGN KEY (tenant_id, customer_id)"
    "    REFERENCES customers (tenant_id, id) ON DELETE CASCADE,"
    "  CONSTRAINT orders_coupon_fk FOREIGN KEY (coupon_id) REFERENCES coupons (id)"
    "    ON DELETE SET NULL ON UPDATE CASCADE,"
    "  CONSTRAINT orders_qty_positive CHECK (qty > 0),"
    "  INDEX orders_placed_idx (placed_on DESC, id)"
    ")",
    "CREATE TABLE kinds ("
    "  id INT NOT NULL PRIMARY KEY,"
    "  i INT, s SMALLINT, b BIGINT, d DECIMAL(12,2), f FLOAT, g DOUBLE,"
    "  t TEXT, v VARCHAR(40), bl BLOB, vb VARBINARY(64), flag BOOLEAN,"
    "  day DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL, j JSON, u UUID,"
    "  e ENUM('x','y'), tm TIME(6), ub BIGINT UNSIGNED"
    ")",
    "CREATE VIEW order_totals AS SELECT customer_id, SUM(total) AS total FROM orders "
    "GROUP BY customer_id",
    "CREATE SEQUENCE invoice_seq START WITH 100 INCREMENT BY 5",
};

class MysqlConnector : public ::testing::Test {
 protected:
  void SetUp() override { m_db = m_temp.connect(); }
  Connector& db() { return *m_db; }
  schema::Catalog fixture() {
    db().execute(k_fixture);
    return db().introspect();
  }

  test::TempDatabase m_temp{Dialect::mysql};
  std::unique_ptr<Connector> m_db;
};

}  // namespace ferry::test
