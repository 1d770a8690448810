#include "ferry/engine/demo.hpp"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/engine/paths.hpp"

namespace ferry::engine {
namespace {

constexpr const char* k_config =
    R"(# The ferry demo: an SQLite master and three tenants. docs/config.md explains every key.
master: sqlite:master.db
tenants:
  - name: tst
    url: sqlite:tst.db
    group: test
  - name: acc
    url: sqlite:acc.db
    group: acceptance
  - name: prd
    url: sqlite:prd.db
    group: production
groups: [test, acceptance, production]   # canary order: a failing group stops the next
sync:
  tables: [currencies, countries, product_types]   # the reference data the master owns
  deletes: propagate
  allow_drop: false
windows:
  full: "00:00-06:00"     # structure and data at night, structure only by day
  time_zone: UTC
concurrency: 3
state_dir: .ferry-state
)";

const std::vector<std::string> k_schema = {
    "CREATE TABLE currencies (code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
    "minor_units INTEGER NOT NULL DEFAULT 2, symbol TEXT)",
    "CREATE TABLE countries (code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
    "currency TEXT NOT NULL REFERENCES currencies (code), population INTEGER CHECK (population "
    ">= 0), calling_code TEXT)",
    "CREATE TABLE product_types (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
    "vat_rate NUMERIC(5,2) NOT NULL DEFAULT 21, active BOOLEAN NOT NULL DEFAULT 1)",
    "CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, "
    "country TEXT REFERENCES countries (code), created_at TIMESTAMP NOT NULL DEFAULT "
    "CURRENT_TIMESTAMP)",
    "CREATE UNIQUE INDEX customers_email ON customers (lower(email))",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL "
    "REFERENCES customers (id), product_type_id INTEGER NOT NULL REFERENCES product_types (id), "
    "currency TEXT NOT NULL REFERENCES currencies (code), amount NUMERIC(12,2) NOT NULL, "
    "ordered_at TIMESTAMP NOT NULL)",
    "CREATE VIEW order_totals AS SELECT currency, count(*) AS orders, sum(amount) AS total "
    "FROM orders GROUP BY currency",
};

struct Currency {
  const char* code;
  const char* name;
  int minor_units;
  const char* symbol;
};

constexpr Currency k_currencies[] = {
    {"EUR", "Euro", 2, "€"},
    {"USD", "US dollar", 2, "$"},
    {"GBP", "Pound sterling", 2, "£"},
    {"JPY", "Japanese yen", 0, "¥"},
    {"CHF", "Swiss franc", 2, "Fr"},
    {"SEK", "Swedish krona", 2, "kr"},
    {"PLN", "Polish złoty", 2, "zł"},
    {"INR", "Indian rupee", 2, "₹"},
    {"BRL", "Brazilian real", 2, "R$"},
    {"KWD", "Kuwaiti dinar", 3, "KD"},
};

std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += '\'';
    out += c;
  }
  return out + "'";
}

std::string country_code(int i) {
  return {static_cast<char>('A' + i / 26), static_cast<char>('A' + i % 26)};
}

// Reference data, deterministic: the same on every run and every machine. An older release
// of the schema has no calling codes.
std::vector<std::string> reference_rows(bool calling_codes) {
  std::vector<std::string> out;
  std::string values;
  for (const Currency& c : k_currencies) {
    values += (values.empty() ? "" : ", ") + std::string("(") + quote(c.code) + ", " +
              quote(c.name) + ", " + std::to_string(c.minor_units) + ", " + quote(c.symbol) + ")";
  }
  out.push_back("INSERT INTO currencies VALUES " + values);
  values.clear();
  // 250 countries with two-letter codes, each paying in one of the currencies.
  for (int i = 0; i < 250; ++i) {
    const std::string code = country_code(i);
    const Currency& c = k_currencies[static_cast<std::size_t>(i) % std::size(k_currencies)];
    values += (values.empty() ? "" : ", ") + std::string("(") + quote(code) + ", " +
              quote("Land " + code) + ", " + quote(c.code) + ", " +
              std::to_string(100000 + i * 7919) +
              (calling_codes ? ", " + quote("+" + std::to_string(i + 1)) : "") + ")";
  }
  out.push_back("INSERT INTO countries VALUES " + values);
  values.clear();
  // 2,500 product types with VAT rates of 0, 9 and 21 %.
  for (int i = 1; i <= 2500; ++i) {
    static constexpr const char* k_rates[] = {"21", "9", "0", "21", "5.5"};
    values += (values.empty() ? "" : ", ") + std::string("(") + std::to_string(i) + ", " +
              quote("product type " + std::to_string(i)) + ", " + k_rates[i % 5] + ", " +
              (i % 17 == 0 ? "0" : "1") + ")";
    if (i % 500 == 0) {
      out.push_back("INSERT INTO product_types VALUES " + values);
      values.clear();
    }
  }
  return out;
}

std::vector<std::string> tenant_rows(int customers) {
  std::vector<std::string> out;
  for (int i = 1; i <= customers; ++i) {
    const std::string country = country_code((i * 7) % 250);
    out.push_back("INSERT INTO customers (email, country, created_at) VALUES (" +
                  quote("customer" + std::to_string(i) + "@example.com") + ", " + quote(country) +
                  ", '2026-01-01 08:00:00')");
    out.push_back(
        "INSERT INTO orders (customer_id, product_type_id, currency, amount, "
        "ordered_at) VALUES (" +
        std::to_string(i) + ", " + std::to_string(1 + (i * 37) % 2000) + ", " +
        quote(k_currencies[static_cast<std::size_t>(i) % 4].code) + ", " +
        std::to_string(10 + i % 90) + ".50, '2026-02-0" + std::to_string(1 + i % 9) +
        " 12:00:00')");
  }
  return out;
}

constexpr const char* k_marker = ".ferry-demo";

void create(const std::filesystem::path& file, const std::vector<std::vector<std::string>>& parts) {
  std::filesystem::remove(file);
  auto db = connectors::connect(
      parse_endpoint("sqlite://" + std::filesystem::absolute(file).string() + "?mode=rwc"));
  for (const auto& statements : parts)
    db->execute(statements);
}

}  // namespace

bool create_demo(const std::filesystem::path& dir) {
  const std::filesystem::path marker = dir / k_marker;
  const std::filesystem::path config = dir / "ferry.yaml";
  std::error_code ec;
  const bool ours = std::filesystem::is_regular_file(marker, ec);
  if (ours && std::filesystem::exists(config, ec)) {
    if (read_file(config) != k_config) {
      throw Error(ErrorKind::usage,
                  config.string() +
                      " is not the one ferry demo wrote (it was changed); the demo syncs only "
                      "the fleet it made: remove " +
                      dir.string() + " to start the demo afresh");
    }
    return false;
  }
  if (!ours && std::filesystem::exists(dir, ec) &&
      (!std::filesystem::is_directory(dir, ec) || !std::filesystem::is_empty(dir, ec))) {
    throw Error(ErrorKind::usage,
                dir.string() +
                    " exists and was not made by ferry demo; the demo changes only "
                    "what it creates: give it a new or empty directory");
  }
  std::filesystem::create_directories(dir);
  // The marker comes first: a demo cut short is finished by the next one.
  std::ofstream(marker) << "made by ferry demo; ferry demo syncs only the fleet in a directory "
                           "holding this file\n";
  const std::vector<std::string> reference = reference_rows(true);
  create(dir / "master.db", {k_schema, reference});

  // tst: reference rows changed and missing.
  create(dir / "tst.db", {k_schema,
                          reference,
                          tenant_rows(40),
                          {"UPDATE currencies SET name = 'Euro (old)' WHERE code = 'EUR'",
                           "UPDATE product_types SET vat_rate = 19 WHERE id % 100 = 7",
                           "DELETE FROM product_types WHERE id > 2400"}});
  // acc: an older release, without countries.calling_code and the customers' e-mail index.
  std::vector<std::string> old_schema = k_schema;
  old_schema[1] =
      "CREATE TABLE countries (code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
      "currency TEXT NOT NULL REFERENCES currencies (code), population INTEGER CHECK "
      "(population >= 0))";
  old_schema.erase(old_schema.begin() + 4);  // customers_email
  create(dir / "acc.db", {old_schema, reference_rows(false), tenant_rows(25)});
  // prd: missing reference rows, a renamed product type.
  create(dir / "prd.db",
         {k_schema,
          reference,
          tenant_rows(60),
          {"UPDATE product_types SET name = 'product type 12 (legacy)' WHERE id = 12",
           "DELETE FROM countries WHERE code >= 'JA' AND code NOT IN (SELECT country FROM "
           "customers WHERE country IS NOT NULL)"}});
  write_file_atomically(config, k_config);
  return true;
}

}  // namespace ferry::engine
