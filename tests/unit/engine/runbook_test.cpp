// Runbooks without servers: every load error names the file and the line; variables resolve
// (ferry's own, vars:, --set, the environment, defaults, date formats) as a dry run shows
// them; refusals come before anything runs; a dry run runs nothing. SQLite URLs only.
#include "ferry/engine/runbook.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ferry/common/error.hpp"
#include "test_env.hpp"

namespace ferry::engine {
namespace {

using namespace std::chrono;

using test::line_of;

class RunbookTest : public ::testing::Test {
 protected:
  // A ferry.yaml with two tenant groups, two nodes (local roots) and `runbooks` appended.
  Config config(const std::string& runbooks = "") {
    m_root = std::filesystem::path(m_dir.path()) / "nodes";
    std::filesystem::create_directories(m_root / "web1");
    std::filesystem::create_directories(m_root / "web2");
    m_yaml = "master: sqlite://" + m_dir.path() + "/master.db\n" +
             "tenants:\n"
             "  - {name: acme, url: sqlite://" +
             m_dir.path() + "/acme.db, group: staging}\n" + "  - {name: globex, url: sqlite://" +
             m_dir.path() + "/globex.db, group: production}\n" +
             "groups: [staging, production]\n"
             "state_dir: state\n"
             "nodes:\n"
             "  - {name: web1, target: 'local:" +
             (m_root / "web1").string() + "', group: web}\n" +
             "  - {name: web2, target: 'local:" + (m_root / "web2").string() + "', group: web}\n" +
             runbooks;
    m_file = std::filesystem::path(m_dir.path()) / "ferry.yaml";
    std::ofstream(m_file) << m_yaml;
    return load_config(m_file);
  }

  // Loading runbook `name` fails with Error(config) at FILE:LINE naming every part.
  void expect_load_error(const Config& c, const std::string& name, const std::string& file_text,
                         const std::string& at, const std::vector<std::string>& parts,
                         const std::filesystem::path& file = {}) {
    try {
      load_runbook(c, name, {});
      ADD_FAILURE() << "no error for runbook " << name;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::config) << e.what();
      const std::string message = e.what();
      const std::string prefix = (file.empty() ? m_file : file).string() + ":" +
                                 std::to_string(line_of(file_text, at)) + ": ";
      EXPECT_TRUE(message.starts_with(prefix)) << "expected '" << prefix << "' in: " << message;
      for (const std::string& part : parts)
        EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
  }

  std::filesystem::path runbook_file(const std::string& name, const std::string& text) {
    const std::filesystem::path dir = std::filesystem::path(m_dir.path()) / "runbooks";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / (name + ".yaml")) << text;
    return dir / (name + ".yaml");
  }

  test::TempDir m_dir;
  std::filesystem::path m_root;
  std::filesystem::path m_file;
  std::string m_yaml;
};

TEST_F(RunbookTest, LoadErrorsNameFileLineAndKey) {
  const Config c = config(
      "runbooks:\n"
      "  typo:\n"
      "    steps:\n"
      "      - name: one\n"
      "        command: echo\n"
      "        retires: 3\n"
      "  nokind:\n"
      "    steps:\n"
      "      - name: lonely\n"
      "  badkind:\n"
      "    steps:\n"
      "      - name: wipe\n"
      "        explode: now\n"
      "  target:\n"
      "    steps:\n"
      "      - name: somewhere\n"
      "        command: echo\n"
      "        on: [nowhere]\n"
      "  undefined:\n"
      "    steps:\n"
      "      - name: uses\n"
      "        command: echo ${no_such_var_anywhere}\n"
      "  twice:\n"
      "    steps:\n"
      "      - {name: same, command: a}\n"
      "      - {name: same, command: b}\n"
      "  later:\n"
      "    steps:\n"
      "      - name: mig\n"
      "        migrate: up\n"
      "  nowhere_to:\n"
      "    steps:\n"
      "      - name: green\n"
      "        restore: nightly\n"
      "        store: /srv/snapshots\n"
      "  storeless:\n"
      "    steps:\n"
      "      - name: snap\n"
      "        snapshot: prod\n"
      "  flagless:\n"
      "    steps:\n"
      "      - name: maint\n"
      "        maintenance: on\n"
      "        flag: maintenance.flag\n"
      "  escape:\n"
      "    steps:\n"
      "      - name: maint\n"
      "        maintenance: on\n"
      "        flag: ../outside.flag\n"
      "        on: [web]\n"
      "  pushtenants:\n"
      "    steps:\n"
      "      - name: up\n"
      "        push: build\n"
      "        on: [acme]\n"
      "  syncmode:\n"
      "    steps:\n"
      "      - name: s\n"
      "        sync: everything\n"
      "        on: [staging]\n"
      "  revert:\n"
      "    steps:\n"
      "      - {name: c, command: echo}\n"
      "    on_failure:\n"
      "      - name: back\n"
      "        revert: nothing-like-it\n"
      "  dns:\n"
      "    steps:\n"
      "      - name: switch\n"
      "        dns-switch: app.example.com\n"
      "        server: 127.0.0.1:53\n"
      "        zone: example.com\n"
      "  ecs:\n"
      "    steps:\n"
      "      - name: restart\n"
      "        ecs-restart: prod\n"
      "        on: [web1]\n"
      "        services: [api]\n"
      "  notify:\n"
      "    steps:\n"
      "      - name: tell\n"
      "        notify: done\n"
      "  margin:\n"
      "    steps:\n"
      "      - name: room\n"
      "        disk-check: build\n"
      "        margin: lots\n"
      "        on: [web]\n");
  expect_load_error(c, "typo", m_yaml, "        retires: 3", {"runbooks.typo.steps[0]", "retires"});
  expect_load_error(c, "nokind", m_yaml, "      - name: lonely", {"no step kind", "dns-switch"});
  expect_load_error(c, "badkind", m_yaml, "        explode: now", {"unknown step kind 'explode'"});
  expect_load_error(c, "target", m_yaml, "        on: [nowhere]", {"unknown target 'nowhere'"});
  expect_load_error(c, "undefined", m_yaml, "        command: echo ${no_such",
                    {"no_such_var_anywhere", "--set"});
  expect_load_error(c, "twice", m_yaml, "      - {name: same, command: b}",
                    {"duplicate step name 'same'"});
  expect_load_error(c, "later", m_yaml, "      - name: mig",
                    {"a migrate step needs on: with tenants or groups"});
  expect_load_error(c, "nowhere_to", m_yaml, "      - name: green", {"restore needs to:"});
  expect_load_error(c, "storeless", m_yaml, "      - name: snap\n        snapshot",
                    {"snapshot needs store:", "snapshots.store"});
  expect_load_error(c, "flagless", m_yaml,
                    "      - name: maint\n        maintenance: on\n        flag: maintenance",
                    {"on: with nodes"});
  expect_load_error(c, "escape", m_yaml, "        flag: ../outside", {"inside the node's root"});
  expect_load_error(c, "pushtenants", m_yaml, "        on: [acme]",
                    {"'acme' is not a node", "push"});
  expect_load_error(c, "syncmode", m_yaml, "        sync: everything", {"structure, full or auto"});
  expect_load_error(c, "revert", m_yaml, "        revert: nothing", {"nothing-like-it"});
  expect_load_error(c, "dns", m_yaml, "      - name: switch", {"dns-switch needs to:"});
  expect_load_error(c, "ecs", m_yaml, "        on: [web1]", {"runs on this machine"});
  expect_load_error(c, "notify", m_yaml, "      - name: tell", {"webhook", "run"});
  expect_load_error(c, "margin", m_yaml, "        margin: lots", {"margin", "500M"});
}

TEST_F(RunbookTest, RunbookFilesBesideTheConfigAndUnknownNames) {
  const Config c = config();
  const std::string text =
      "steps:\n"
      "  - name: hello\n"
      "    command: echo hi\n"
      "    timeout: forever\n";
  const auto file = runbook_file("release", text);
  expect_load_error(c, "release", text, "    timeout: forever", {"steps[0].timeout", "30s"}, file);
  try {
    load_runbook(c, "nightly", {});
    ADD_FAILURE() << "a runbook that does not exist loaded";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("no runbook 'nightly'"), std::string::npos) << message;
    EXPECT_NE(message.find("release"), std::string::npos) << "known names listed: " << message;
  }
  EXPECT_EQ(runbook_names(c), std::vector<std::string>{"release"});
}

// The report of a dry run, with the run's clock at `now`.
RunReport dry_run(const Config& c, const std::string& name,
                  const std::map<std::string, std::string>& sets, system_clock::time_point now) {
  RunOptions options;
  options.dry_run = true;
  options.sets = sets;
  options.now = now;
  return run_runbook(c, load_runbook(c, name, sets), options);
}

TEST_F(RunbookTest, VariablesResolveAsTheDryRunShows) {
  ::setenv("FERRY_TEST_RUNBOOK_SECRET", "hunter2", 1);
  const Config c = config(
      "runbooks:\n"
      "  wormbase:\n"
      "    release: WS${db_release}-${date:%Y.%m.%d}-${app_version}-${revision}\n"
      "    vars: {app_version: '0.02'}\n"
      "    steps:\n"
      "      - name: say\n"
      "        command: echo ${release} ${tenant} ${group} ${missing:-fallback} "
      "${FERRY_TEST_RUNBOOK_SECRET} ${date} ${time}\n"
      "        on: [staging]\n"
      "      - name: nodes\n"
      "        command: echo ${node} ${group}\n"
      "        on: [web]\n");
  const auto now = sys_days(year{2010} / December / 24) + hours(13) + minutes(5) + seconds(9);
  const RunReport report =
      dry_run(c, "wormbase", {{"db_release", "221"}, {"revision", "1350"}}, now);
  EXPECT_EQ(report.release, "WS221-2010.12.24-0.02-1350");
  ASSERT_EQ(report.steps.size(), 2u);
  ASSERT_EQ(report.steps[0].targets.size(), 1u);
  const std::string& said = report.steps[0].targets[0].detail;
  EXPECT_NE(said.find("echo WS221-2010.12.24-0.02-1350 acme staging fallback"), std::string::npos)
      << said;
  // A value from the environment stays a name in what ferry prints.
  EXPECT_NE(said.find("${FERRY_TEST_RUNBOOK_SECRET}"), std::string::npos) << said;
  EXPECT_EQ(said.find("hunter2"), std::string::npos) << said;
  EXPECT_NE(said.find("2010-12-24 130509"), std::string::npos) << said;
  ASSERT_EQ(report.steps[1].targets.size(), 2u);
  EXPECT_NE(report.steps[1].targets[1].detail.find("echo web2 web"), std::string::npos)
      << report.steps[1].targets[1].detail;
  EXPECT_EQ(to_json(report).dump().find("hunter2"), std::string::npos);
  ::unsetenv("FERRY_TEST_RUNBOOK_SECRET");
}

TEST_F(RunbookTest, DangerAndConfirmRefuseBeforeAnythingRuns) {
  const std::string marker = m_dir.path() + "/ran";
  const Config c = config(
      "runbooks:\n"
      "  wipe:\n"
      "    steps:\n"
      "      - {name: first, command: touch " +
      marker +
      "}\n"
      "      - name: wipe database\n"
      "        command: echo wiping\n"
      "        danger: true\n"
      "  ask:\n"
      "    steps:\n"
      "      - {name: first, command: touch " +
      marker +
      "}\n"
      "      - {name: sure, confirm: 'Go ahead?'}\n");
  RunOptions options;
  options.detached = true;  // as under --background: nobody can answer
  try {
    run_runbook(c, load_runbook(c, "wipe", {}), options);
    ADD_FAILURE() << "a danger step ran without --allow-danger";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-danger 'wipe database'"), std::string::npos)
        << e.what();
  }
  try {
    run_runbook(c, load_runbook(c, "ask", {}), options);
    ADD_FAILURE() << "a confirm step ran with nobody to answer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--yes"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(marker)) << "a step ran before the refusal";
  EXPECT_FALSE(std::filesystem::exists(c.state_dir / "runbooks")) << "a refused run left a journal";

  options.allow_danger = {"wipe database"};
  const RunReport ran = run_runbook(c, load_runbook(c, "wipe", {}), options);
  EXPECT_EQ(ran.outcome, Outcome::ok);
  EXPECT_TRUE(std::filesystem::exists(marker));
}

TEST_F(RunbookTest, DryRunRunsNothingAndWritesNoJournal) {
  const std::string marker = m_dir.path() + "/ran";
  const Config c = config(
      "runbooks:\n"
      "  release:\n"
      "    steps:\n"
      "      - {name: maint, maintenance: on, flag: maintenance.flag, on: [web]}\n"
      "      - {name: touch, command: touch " +
      marker +
      "}\n"
      "      - {name: flip, flip: '${release}', on: [web]}\n"
      "      - {name: up, maintenance: off, flag: maintenance.flag, on: [web]}\n");
  const RunReport report = dry_run(c, "release", {{"release", "v2"}}, system_clock::now());
  EXPECT_EQ(report.outcome, Outcome::planned);
  for (const StepRun& s : report.steps)
    EXPECT_EQ(s.outcome, Outcome::planned) << s.name;
  EXPECT_NE(report.steps[0].targets[0].detail.find("create maintenance.flag"), std::string::npos);
  EXPECT_NE(report.steps[2].targets[0].detail.find("flip current to v2"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_FALSE(std::filesystem::exists(m_root / "web1" / "maintenance.flag"));
  EXPECT_FALSE(std::filesystem::exists(c.state_dir / "runbooks"));
  EXPECT_NE(render_text(report).find("dry run"), std::string::npos);
}

TEST_F(RunbookTest, FailureRunsTheFailBackAndTurnsMaintenanceOff) {
  const std::string log = m_dir.path() + "/order";
  const Config c = config(
      "runbooks:\n"
      "  release:\n"
      "    steps:\n"
      "      - {name: maint, maintenance: on, flag: maintenance.flag, on: [web]}\n"
      "      - {name: migrate, command: 'echo migrating; exit 3', retries: 1, backoff: 10ms}\n"
      "      - {name: never, command: echo never >> " +
      log +
      "}\n"
      "      - {name: up, maintenance: off, flag: maintenance.flag, on: [web]}\n"
      "    on_failure:\n"
      "      - {name: tell, command: echo fail-back >> " +
      log + "}\n");
  const RunReport report = run_runbook(c, load_runbook(c, "release", {}), RunOptions{});
  EXPECT_EQ(report.outcome, Outcome::failed);
  EXPECT_EQ(report.exit_code(), ExitCode::failure);
  EXPECT_EQ(report.failed_step, "migrate");
  std::ifstream in(log);
  const std::string order((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(order, "fail-back\n");
  EXPECT_FALSE(std::filesystem::exists(m_root / "web1" / "maintenance.flag"));
  EXPECT_FALSE(std::filesystem::exists(m_root / "web2" / "maintenance.flag"));
  const StepRun& migrate = report.steps[1];
  ASSERT_EQ(migrate.targets.size(), 1u);
  EXPECT_EQ(migrate.targets[0].attempts, 2);
  EXPECT_NE(migrate.targets[0].detail.find("exit status 3"), std::string::npos);
  EXPECT_NE(migrate.targets[0].detail.find("migrating"), std::string::npos) << "output tail shown";
  const StepRun& automatic = report.steps.back();
  EXPECT_TRUE(automatic.automatic);
  EXPECT_EQ(automatic.outcome, Outcome::ok);
  // The journal on disk says the same, and reads back.
  const auto journaled = read_run(c.state_dir, "last");
  ASSERT_TRUE(journaled);
  EXPECT_EQ(journaled->status, "finished");
  EXPECT_EQ(journaled->failed_step, "migrate");
  EXPECT_EQ(journaled->steps.size(), report.steps.size());
  EXPECT_TRUE(journaled->outage_seconds.has_value());
}

}  // namespace
}  // namespace ferry::engine
