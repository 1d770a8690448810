// Each example runbook (examples/runbooks/) run end to end by the ferry executable against
// the loopback parts: PostgreSQL and SQLite tenants, a local and an ssh node, moto's ECS,
// BIND, an HTTP server. What each step did is checked through the parts themselves; the
// report must time every step and the outage. Each dry run must leave every part as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>

#include "runbook_support.hpp"

namespace ferry::test::runbooks {
namespace {

using ::testing::HasSubstr;

// The report's total, and with maintenance its outage: more than nothing, at most the total.
void expect_timed_report(const std::string& report, bool outage) {
  std::smatch total;
  ASSERT_TRUE(std::regex_search(report, total, std::regex("\\ntotal ([0-9.]+)s"))) << report;
  if (outage) {
    std::smatch out;
    ASSERT_TRUE(
        std::regex_search(report, out, std::regex("outage ([0-9.]+)s \\(maintenance on to off\\)")))
        << report;
    EXPECT_GT(std::stod(out[1]), 0.0) << report;
    EXPECT_LE(std::stod(out[1]), std::stod(total[1])) << report;
  } else {
    EXPECT_EQ(report.find("outage"), std::string::npos) << report;
  }
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class Examples : public ReleaseSetup {};

TEST_F(Examples, NightlySyncsEveryTenantThenRestartsProductionLast) {
  use_postgres_staging();
  use_example("nightly");
  const std::string staging = ecs_cluster({"api", "worker"}, 2);
  const std::string production = ecs_cluster({"api", "worker"}, 1, "p");
  const std::string sets =
      " --set staging_cluster=" + staging + " --set production_cluster=" + production;
  std::map<std::string, std::string> deployment;  // cluster/service -> its deployment id
  const auto deployment_of = [&](const std::string& cluster, const std::string& service) {
    const auto d = ecs_service(cluster, service)["deployments"];
    return d.size() == 1 ? d[0].value("id", std::string()) : d.dump();
  };
  for (const std::string& cluster : {staging, production}) {
    for (const char* s : {"api", "worker"})
      deployment[cluster + "/" + s] = deployment_of(cluster, s);
  }
  const CommandOutput dry = ferry("run nightly --dry-run" + sets);
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("update-service --cluster " + production +
                                    " --service api --force-new-deployment"));
  EXPECT_THAT(dry.output, HasSubstr("--endpoint-url"));
  EXPECT_EQ(deployment_of(production, "api"), deployment[production + "/api"])
      << "the dry run changed the service";
  EXPECT_TRUE(m_globex->connect()
                  ->query("SELECT 1 FROM information_schema.tables WHERE "
                          "table_name = 'countries'")
                  .empty())
      << "the dry run synced a tenant";

  const CommandOutput run = ferry("run nightly --json" + sets);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto report = nlohmann::json::parse(run.output.substr(run.output.find("{\n")));
  ASSERT_EQ(report["steps"].size(), 3u);
  for (const auto& step : report["steps"]) {
    EXPECT_EQ(step["outcome"], "ok") << step.dump(2);
    EXPECT_GT(step["seconds"].get<double>(), 0.0) << step["name"];
  }
  // Production restarts after staging.
  EXPECT_LT(report["steps"][1]["started_at"].get<double>(),
            report["steps"][2]["started_at"].get<double>());
  // The data the master owns reached both tenants (the window covers the whole day).
  EXPECT_EQ(m_globex->connect()->query("SELECT code, name FROM countries ORDER BY code"),
            m_master->connect()->query("SELECT code, name FROM countries ORDER BY code"));
  EXPECT_EQ(m_acme_pg->connect()->query("SELECT code, name FROM countries ORDER BY code"),
            m_master->connect()->query("SELECT code, name FROM countries ORDER BY code"));
  // Each service got a new deployment.
  for (const std::string& cluster : {staging, production}) {
    for (const char* s : {"api", "worker"})
      EXPECT_NE(deployment_of(cluster, s), deployment[cluster + "/" + s]) << cluster << "/" << s;
  }
}

// ferry.yaml's migrations: one SQL file and the app's per-account command `command`, with
// maintenance on and off by SQL.
void add_migrations(const std::filesystem::path& dir, const std::string& command) {
  std::filesystem::create_directories(dir / "migrations");
  std::ofstream(dir / "migrations" / "0001_notes.up.sql")
      << "CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100));\n";
  std::ofstream(dir / "ferry.yaml", std::ios::app)
      << "migrations:\n"
      << "  dir: migrations\n"
      << "  command: " << command << "\n"
      << "  maintenance:\n"
      << "    on: {sql: 'UPDATE settings SET maintenance = 1'}\n"
      << "    off: {sql: 'UPDATE settings SET maintenance = 0'}\n";
}

TEST_F(Examples, BackendReleaseMigratesStagingFirstWithMaintenancePerAccount) {
  use_example("backend-release");
  // The app's migration records the account, its group and its maintenance flag while it
  // ran, read by the databases' own clients.
  const std::filesystem::path script = dir() / "migrate.sh";
  std::ofstream(script) << "case $1 in\n"
                        << "  acme) m=$(sqlite3 " << m_acme.string()
                        << " 'SELECT maintenance FROM settings') ;;\n"
                        << "  globex) m=$(psql '" << m_globex->url()
                        << "' -tAc 'SELECT maintenance FROM settings') ;;\n"
                        << "esac\n"
                        << "echo $1 $FERRY_GROUP $m >> " << log_file().string() << "\n";
  add_migrations(dir(), "sh " + script.string() + " ${tenant}");
  const CommandOutput dry = ferry("run backend-release --dry-run --yes");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("would run 1 notes"));
  EXPECT_FALSE(std::filesystem::exists(log_file()));
  EXPECT_EQ(maintenance("globex"), 0) << "the dry run changed a tenant";

  const CommandOutput run = ferry("run backend-release --yes");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(log_text(), "acme staging 1\nglobex production 1\n");
  EXPECT_EQ(maintenance("acme"), 0);
  EXPECT_EQ(maintenance("globex"), 0);
  EXPECT_EQ(m_globex->connect()->query("SELECT version, state FROM ferry_migrations"),
            (std::vector<connectors::TextRow>{{"1", "applied"}}));
  expect_timed_report(run.output, false);
  // The tenants' password is in no report, log or journal.
  const std::string url = m_globex->url();
  const std::string password =
      url.substr(url.find(':', 11) + 1, url.find('@') - url.find(':', 11) - 1);
  ASSERT_FALSE(password.empty());
  EXPECT_EQ(run.output.find(password), std::string::npos);
  EXPECT_EQ(dry.output.find(password), std::string::npos);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir() / "state")) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(read(entry.path()).find(password), std::string::npos) << entry.path();
    }
  }
}

TEST_F(Examples, BackendReleaseFailureLeavesNoAccountInMaintenance) {
  use_example("backend-release");
  // Production's migration command fails while its account is in maintenance.
  add_migrations(dir(), "test ${tenant} != globex");
  const CommandOutput run = ferry("run backend-release --yes");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("failed at 'production migrate'"));
  EXPECT_EQ(maintenance("globex"), 0);
  EXPECT_EQ(maintenance("acme"), 0);
}

TEST_F(Examples, WebClusterPushesFlipsRestartsAndAnnounces) {
  use_example("web-cluster");
  std::filesystem::create_directories(dir() / "build" / "db");
  std::filesystem::create_directories(dir() / "build" / "app");
  std::ofstream(dir() / "build" / "db" / "data.sqlite") << std::string(200000, 'd');
  std::ofstream(dir() / "build" / "app" / "index.php") << "<?php echo 'v2';\n";
  const std::string sets =
      " --set db_release=221 --set app_version=0.02 --set revision=1350"
      " --set restart='echo restarted by $FERRY_RUN_ID > restarted.txt'"
      " --set webhook=" +
      m_http->url("/hook");
  const CommandOutput dry = ferry("run web-cluster --dry-run" + sets);
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_TRUE(std::regex_search(
      dry.output, std::regex("release WS221-[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}-0\\.02-1350")))
      << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("curl"));
  for (const char* node : {"web1", "web2"})
    EXPECT_TRUE(std::filesystem::is_empty(node_root(node))) << node << " touched by a dry run";
  EXPECT_TRUE(m_http->hooks().empty());

  const CommandOutput run = ferry("run web-cluster" + sets);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_timed_report(run.output, true);
  std::smatch release;
  ASSERT_TRUE(std::regex_search(run.output, release, std::regex("WS221-[0-9.]+-0\\.02-1350")));
  for (const char* node : {"web1", "web2"}) {
    const auto current = node_root(node) / "current";
    ASSERT_TRUE(std::filesystem::is_symlink(current)) << node;
    EXPECT_EQ(std::filesystem::read_symlink(current).filename().string(), release.str()) << node;
    EXPECT_EQ(read(current / "app" / "index.php"), "<?php echo 'v2';\n") << node;
    EXPECT_EQ(std::filesystem::file_size(current / "db" / "data.sqlite"), 200000u) << node;
    EXPECT_THAT(read(node_root(node) / "restarted.txt"), HasSubstr("restarted by")) << node;
    EXPECT_FALSE(std::filesystem::exists(node_root(node) / "maintenance.flag")) << node;
  }
  const auto hooks = m_http->hooks();
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0]["text"], "Released " + release.str() + " to the web cluster");
}

TEST_F(Examples, WebClusterFailureRollsBackAndLeavesMaintenanceOff) {
  use_example("web-cluster");
  std::filesystem::create_directories(dir() / "build");
  std::ofstream(dir() / "build" / "index.html") << "v1";
  const std::string base =
      " --set app_version=1 --set revision=1 --set webhook=" + m_http->url("/hook") +
      " --set restart=true";
  ASSERT_EQ(ferry("run web-cluster --set db_release=1" + base).exit_code, 0);
  std::ofstream(dir() / "build" / "index.html") << "v2";
  // The restart fails on the ssh node: the release is rolled back on every node.
  const CommandOutput run = ferry("run web-cluster --set db_release=2" + base +
                                  " --set restart='test $FERRY_NODE != web2'");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("failed at 'restart app'"));
  for (const char* node : {"web1", "web2"}) {
    EXPECT_EQ(read(node_root(node) / "current" / "index.html"), "v1") << node;
    EXPECT_FALSE(std::filesystem::exists(node_root(node) / "maintenance.flag")) << node;
  }
  const auto hooks = m_http->hooks();
  ASSERT_EQ(hooks.size(), 2u);  // the first release, then the failure
  EXPECT_THAT(hooks[1]["text"].get<std::string>(), HasSubstr("failed and was rolled back"));
}

class BlueGreen : public ReleaseSetup {
 protected:
  void SetUp() override {
    ReleaseSetup::SetUp();
    m_cluster = ecs_cluster({"web"}, 2);
    m_name = dns_record("blue." + dns_zone());
    m_green = std::make_unique<TempDatabase>(Dialect::postgres);
  }
  std::string sets(const std::string& health) const {
    return " --set cluster=" + m_cluster + " --set services=web --set name=" + m_name +
           " --set green=green." + dns_zone() + " --set dns_server=" + dns_server() +
           " --set dns_zone=" + dns_zone() + " --set dns_key=" + dns_key() +
           " --set health=" + health + " --set live_db=globex --set green_db='" + m_green->url() +
           "' --set snapshot_store=" + (dir() / "snapshots").string() +
           " --set migrate='echo migrate green >> " + log_file().string() + "'";
  }
  std::string m_cluster, m_name;
  std::unique_ptr<TempDatabase> m_green;
};

TEST_F(BlueGreen, SwitchesDnsToGreenAndWaitsForIt) {
  use_example("blue-green");
  const CommandOutput dry = ferry("run blue-green --dry-run" + sets(m_http->url("/ok")));
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("update add " + m_name));
  EXPECT_THAT(dry.output, HasSubstr("--desired-count 1"));
  EXPECT_EQ(dig(m_name, "CNAME"), std::vector<std::string>{"blue." + dns_zone()});
  EXPECT_EQ(ecs_service(m_cluster, "web")["desiredCount"], 2);

  const CommandOutput run = ferry("run blue-green" + sets(m_http->url("/after/2")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_timed_report(run.output, true);
  EXPECT_EQ(dig(m_name, "CNAME"), std::vector<std::string>{"green." + dns_zone()});
  EXPECT_EQ(ecs_service(m_cluster, "web")["desiredCount"], 2);
  EXPECT_EQ(maintenance("globex"), 0);
  EXPECT_THAT(log_text(), HasSubstr("migrate green"));
  // Green's database is production's, restored from the snapshot taken in maintenance.
  const auto green = m_green->connect()->query("SELECT id, maintenance FROM settings");
  ASSERT_EQ(green.size(), 1u);
  EXPECT_EQ(green[0][1], std::optional<std::string>("1"));

  // Later, by hand: back to blue. The dry run says what it would put back and changes nothing.
  const CommandOutput plan = ferry("run blue-green --revert --dry-run" + sets(m_http->url("/ok")));
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("revert switch dns"));
  EXPECT_EQ(dig(m_name, "CNAME"), std::vector<std::string>{"green." + dns_zone()});
  const CommandOutput back = ferry("run blue-green --revert" + sets(m_http->url("/ok")));
  ASSERT_EQ(back.exit_code, 0) << back.output;
  EXPECT_EQ(dig(m_name, "CNAME"), std::vector<std::string>{"blue." + dns_zone()});
  // Newest first: scale up goes back to 1, then scale down back to 2.
  EXPECT_LT(back.output.find("revert scale up"), back.output.find("revert scale down"));
  EXPECT_EQ(ecs_service(m_cluster, "web")["desiredCount"], 2);
}

TEST_F(BlueGreen, FailureRevertsDnsScaleAndMaintenance) {
  use_example("blue-green", {{"    timeout: 3m", "    timeout: 2s"}});
  // Green never answers 200.
  const CommandOutput run = ferry("run blue-green" + sets(m_http->url("/status/503")));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("failed at 'green answers'"));
  EXPECT_EQ(dig(m_name, "CNAME"), std::vector<std::string>{"blue." + dns_zone()})
      << "DNS not put back";
  EXPECT_EQ(ecs_service(m_cluster, "web")["desiredCount"], 2) << "scale not put back";
  EXPECT_EQ(maintenance("globex"), 0);
  EXPECT_TRUE(std::regex_search(run.output, std::regex("dns back +revert +ok"))) << run.output;
  EXPECT_TRUE(std::regex_search(run.output, std::regex("size back +revert +ok"))) << run.output;
  expect_timed_report(run.output, true);
}

TEST_F(Examples, ContainerAppDangerStepNeedsItsNameOnTheCommandLine) {
  use_example("container-app");
  const std::string sets = " --set wipe='echo wiped >> " + log_file().string() +
                           "' --set migrate='echo migrated >> " + log_file().string() +
                           "' --set restart='echo restarted > restarted.txt'"
                           " --set prune='echo pruned > pruned.txt'";
  // An environment variable never arms a danger step.
  ::setenv("DANGER_DATABASE_WIPE_REINITIALIZE", "1", 1);
  const CommandOutput refused = ferry("run container-app" + sets);
  ::unsetenv("DANGER_DATABASE_WIPE_REINITIALIZE");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("--allow-danger 'wipe and reinitialize'"));
  EXPECT_FALSE(std::filesystem::exists(log_file()));
  EXPECT_FALSE(std::filesystem::exists(node_root("web1") / "restarted.txt"));

  const CommandOutput dry = ferry("run container-app --dry-run" + sets);
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("echo pruned > pruned.txt"));
  EXPECT_THAT(dry.output, HasSubstr("ssh"));  // web2's commands go over ssh
  EXPECT_FALSE(std::filesystem::exists(log_file()));
  for (const char* node : {"web1", "web2"})
    EXPECT_TRUE(std::filesystem::is_empty(node_root(node))) << node;

  const CommandOutput release = ferry("run container-app --from migrate" + sets);
  ASSERT_EQ(release.exit_code, 0) << release.output;
  EXPECT_EQ(log_text(), "migrated\n");
  for (const char* node : {"web1", "web2"}) {
    EXPECT_TRUE(std::filesystem::exists(node_root(node) / "restarted.txt")) << node;
    EXPECT_TRUE(std::filesystem::exists(node_root(node) / "pruned.txt")) << node;
  }
  expect_timed_report(release.output, false);

  const CommandOutput wipe =
      ferry("run container-app --allow-danger 'wipe and reinitialize'" + sets);
  ASSERT_EQ(wipe.exit_code, 0) << wipe.output;
  EXPECT_EQ(log_text(), "migrated\nwiped\nmigrated\n");
}

}  // namespace
}  // namespace ferry::test::runbooks
