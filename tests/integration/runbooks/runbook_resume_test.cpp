// A runbook run killed with SIGKILL at several points, then `--resume`: finished steps never
// run again, an idempotent step that may have half-run runs again, any other stops the
// resume naming it; a kill during the fail-back finishes the fail-back. Also: --background
// with `ferry runs list|show --follow`, and a second run refused while one holds the lock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "runbook_support.hpp"

namespace ferry::test::runbooks {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

class Resume : public ReleaseSetup {
 protected:
  // A step that logs its name, then waits for the file `gate` (bounded at 60 s).
  std::string gated(const std::string& name, const std::string& gate) const {
    const std::string g = (dir() / gate).string();
    return "echo " + name + " >> " + log_file().string() + "; i=0; while [ ! -e " + g +
           " ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done";
  }
  std::string logged(const std::string& name) const {
    return "echo " + name + " >> " + log_file().string();
  }

  // Starts `ferry run ARGS`, waits until the log's last line is `line`, then kills ferry.
  void kill_when_logged(const std::string& args, const std::string& line) {
    FerryProcess ferry({"-c", (dir() / "ferry.yaml").string(), "run", args}, dir() / "killed.out");
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline && log_text().find(line + "\n") == std::string::npos &&
           ferry.running())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_NE(log_text().find(line + "\n"), std::string::npos) << "never reached " << line << ":\n"
                                                               << ferry.output();
    ferry.kill();
    ferry.wait();
  }

  void open_gate(const std::string& gate) const { std::ofstream(dir() / gate) << "go"; }
};

TEST_F(Resume, KilledInAnIdempotentStepResumesWithoutRepeatingFinishedSteps) {
  write_runbook("release",
                "steps:\n"
                "  - {name: maint, maintenance: on, flag: maintenance.flag, on: [web1]}\n"
                "  - {name: one, command: '" +
                    logged("one") +
                    "'}\n"
                    "  - name: two\n"
                    "    command: '" +
                    gated("two", "gate2") +
                    "'\n"
                    "    idempotent: true\n"
                    "  - {name: three, command: '" +
                    logged("three") +
                    "'}\n"
                    "  - {name: up, maintenance: off, flag: maintenance.flag, on: [web1]}\n");
  kill_when_logged("release", "two");
  EXPECT_TRUE(std::filesystem::exists(node_root("web1") / "maintenance.flag"));
  const CommandOutput shown = ferry("runs show last");
  EXPECT_EQ(shown.exit_code, 1) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("interrupted in step 'two'"));

  open_gate("gate2");
  const CommandOutput resumed = ferry("run release --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("resuming run"));
  EXPECT_THAT(resumed.output, HasSubstr("(before the resume)"));
  // `one` ran once; `two` (idempotent) ran again; the rest once.
  EXPECT_EQ(log_text(), "one\ntwo\ntwo\nthree\n");
  EXPECT_FALSE(std::filesystem::exists(node_root("web1") / "maintenance.flag"));
  EXPECT_TRUE(std::regex_search(resumed.output, std::regex("outage [0-9.]+s"))) << resumed.output;
  // A second --resume has nothing to continue: a new run starts.
  const CommandOutput again = ferry("run release --resume --only one");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("reached its end"));
}

TEST_F(Resume, KilledInACommandStopsTheResumeUntilAPersonDecides) {
  write_runbook("release",
                "steps:\n"
                "  - {name: one, command: '" +
                    logged("one") +
                    "'}\n"
                    "  - {name: migrate, command: '" +
                    gated("migrate", "gate") +
                    "'}\n"
                    "  - {name: three, command: '" +
                    logged("three") + "'}\n");
  kill_when_logged("release", "migrate");
  open_gate("gate");
  const CommandOutput refused = ferry("run release --resume");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("step 'migrate'"));
  EXPECT_THAT(refused.output, HasSubstr("may have half-run"));
  EXPECT_THAT(refused.output, HasSubstr("--resume --from 'three'"));
  EXPECT_EQ(log_text(), "one\nmigrate\n") << "the refused resume ran something";
  // The person looked and decides migrate finished: go on after it.
  const CommandOutput resumed = ferry("run release --resume --from three");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(log_text(), "one\nmigrate\nthree\n");
}

TEST_F(Resume, KilledInTheFailBackFinishesTheFailBack) {
  write_runbook("release",
                "steps:\n"
                "  - {name: maint, maintenance: on, sql: 'UPDATE settings SET maintenance = 1', "
                "on: [staging, production]}\n"
                "  - {name: break, command: 'exit 4'}\n"
                "  - {name: up, maintenance: off, sql: 'UPDATE settings SET maintenance = 0', "
                "on: [staging, production]}\n"
                "on_failure:\n"
                "  - {name: tell, command: '" +
                    logged("tell") +
                    "'}\n"
                    "  - name: wait\n"
                    "    command: '" +
                    gated("wait", "gate") +
                    "'\n"
                    "    idempotent: true\n"
                    "  - {name: last, command: '" +
                    logged("last") + "'}\n");
  kill_when_logged("release", "wait");
  EXPECT_EQ(maintenance("acme"), 1);
  EXPECT_EQ(maintenance("globex"), 1);
  open_gate("gate");
  const CommandOutput resumed = ferry("run release --resume");
  EXPECT_EQ(resumed.exit_code, 1) << resumed.output;  // the run failed, and says so
  EXPECT_THAT(resumed.output, HasSubstr("failed at 'break'"));
  EXPECT_EQ(log_text(), "tell\nwait\nwait\nlast\n");
  EXPECT_EQ(maintenance("acme"), 0);
  EXPECT_EQ(maintenance("globex"), 0);
}

TEST_F(Resume, AHalfRunFailBackCommandWaitsForAPersonThenTheFailBackFinishes) {
  write_runbook("release",
                "steps:\n"
                "  - {name: maint, maintenance: on, flag: maintenance.flag, on: [web]}\n"
                "  - {name: break, command: 'exit 4'}\n"
                "  - {name: up, maintenance: off, flag: maintenance.flag, on: [web]}\n"
                "on_failure:\n"
                "  - {name: restore, command: '" +
                    gated("restore", "gate") +
                    "'}\n"
                    "  - {name: tell, command: '" +
                    logged("tell") + "'}\n");
  kill_when_logged("release", "restore");
  open_gate("gate");
  const CommandOutput refused = ferry("run release --resume");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("step 'restore'"));
  EXPECT_THAT(refused.output, HasSubstr("--resume --from 'tell'"));
  EXPECT_TRUE(std::filesystem::exists(node_root("web2") / "maintenance.flag"));
  const CommandOutput resumed = ferry("run release --resume --from tell");
  EXPECT_EQ(resumed.exit_code, 1) << resumed.output;  // the release failed
  EXPECT_EQ(log_text(), "restore\ntell\n");
  for (const char* node : {"web1", "web2"})
    EXPECT_FALSE(std::filesystem::exists(node_root(node) / "maintenance.flag")) << node;
}

TEST_F(Resume, BackgroundRunsAreListedFollowedAndHoldTheLock) {
  write_runbook("release",
                "steps:\n"
                "  - {name: one, command: '" +
                    logged("one") +
                    "'}\n"
                    "  - {name: two, command: '" +
                    gated("two", "gate") + "'}\n");
  const CommandOutput started = ferry("run release --background");
  ASSERT_EQ(started.exit_code, 0) << started.output;
  std::smatch id;
  ASSERT_TRUE(std::regex_search(started.output, id, std::regex("run ([0-9TZ]+-[0-9]+)")))
      << started.output;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline && log_text().find("two\n") == std::string::npos)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(log_text(), "one\ntwo\n");

  // While it runs: a second run is refused, naming the holder; the list shows it running.
  const CommandOutput second = ferry("run release");
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("another ferry run is running"));
  const CommandOutput listed = ferry("runs list");
  EXPECT_THAT(listed.output, HasSubstr(id[1].str()));
  EXPECT_THAT(listed.output, HasSubstr("running"));

  FerryProcess follow(
      {"-c", (dir() / "ferry.yaml").string(), "runs", "show", id[1].str(), "--follow"},
      dir() / "follow.out");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(follow.running()) << "--follow returned while the run goes on:\n" << follow.output();
  open_gate("gate");
  const int status = follow.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << follow.output();
  EXPECT_THAT(follow.output(), HasSubstr("two: ok"));
  EXPECT_THAT(follow.output(), HasSubstr("total"));

  const CommandOutput json = ferry("runs list --json");
  const auto runs = nlohmann::json::parse(json.output);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "finished");
  EXPECT_EQ(runs[0]["outcome"], "ok");
  EXPECT_TRUE(std::filesystem::exists(dir() / "state" / "runbooks" / id[1].str() / "run.log"));
}

}  // namespace
}  // namespace ferry::test::runbooks
