// Shared by the runbook integration tests: a release setup on the loopback servers (a
// PostgreSQL master, a SQLite staging tenant and a PostgreSQL production tenant, a local and
// an ssh node, moto's AWS, BIND, an HTTP server), the ferry executable run as a user runs
// it, and checks made through the servers' own tools (dig, the aws CLI, SQL, the files).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hook_servers.hpp"
#include "test_env.hpp"

namespace ferry::test::runbooks {

using test::dig;
using test::HttpSink;
using test::shell;

// The aws CLI against moto; its output as JSON. Fails the test when it exits non-zero.
nlohmann::json aws(const std::string& args);

// Sets a record on the test BIND server with nsupdate (the test's own path, not ferry's).
void nsupdate(const std::string& name, const std::string& type, const std::string& value);

// A release setup in a TempDir: ferry.yaml with tenants acme (SQLite, group staging) and
// globex (PostgreSQL, group production), each with settings(id, maintenance) and the master's
// countries; nodes web1 (local:) and web2 (ssh://, the test sshd), group web; aws: pointing
// at moto. Runbooks are copied from examples/runbooks/ or written by the test.
class ReleaseSetup : public ::testing::Test {
 protected:
  void SetUp() override;
  void write_config(const std::string& acme_url);

  // The staging tenant becomes a PostgreSQL database (structure sync needs the master's
  // dialect on both sides).
  void use_postgres_staging();

  // Copies examples/runbooks/NAME.yaml to runbooks/ beside ferry.yaml; `edits` replace
  // text first (e.g. a shorter timeout for a failure test).
  void use_example(const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& edits = {});
  void write_runbook(const std::string& name, const std::string& yaml);

  // `ferry -c ferry.yaml ARGS`.
  CommandOutput ferry(const std::string& args) const;

  // The maintenance flag of a tenant (SQL on its own database).
  int maintenance(const std::string& tenant) const;
  std::filesystem::path node_root(const std::string& node) const { return m_dir / "nodes" / node; }
  std::filesystem::path dir() const { return m_dir; }
  std::string log_text() const;  // what the runbook's commands appended to log.txt
  std::filesystem::path log_file() const { return m_dir / "log.txt"; }

  // A new ECS cluster on moto with the services, each desiring `desired` tasks; returns the
  // cluster name (unique per test and suffix).
  std::string ecs_cluster(const std::vector<std::string>& services, int desired,
                          const std::string& suffix = "");
  // One service's describe-services entry.
  nlohmann::json ecs_service(const std::string& cluster, const std::string& service);

  // A record unique to this test on the BIND zone, set to CNAME `value`; returns its name.
  std::string dns_record(const std::string& value);

  std::string dns_server() const;
  std::string dns_key() const;
  std::string dns_zone() const;

  TempDir m_tmp;
  std::filesystem::path m_dir;
  std::unique_ptr<TempDatabase> m_master;
  std::unique_ptr<TempDatabase> m_globex;
  std::filesystem::path m_acme;             // the SQLite tenant's file
  std::unique_ptr<TempDatabase> m_acme_pg;  // after use_postgres_staging()
  std::unique_ptr<HttpSink> m_http;
};

}  // namespace ferry::test::runbooks
