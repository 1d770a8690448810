#include "ferry/deploy_hooks/aws.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>

#include "ferry/common/error.hpp"
#include "logged_run.hpp"

namespace ferry::deploy_hooks {
namespace {

// A word as a POSIX shell reads it back: as is when every character is one no shell treats
// specially, else in single quotes (a quote inside becomes '\'').
}  // namespace

ScratchFile::ScratchFile(const std::filesystem::path& log, const std::string& suffix) {
  static std::atomic<unsigned> counter{0};
  m_path = log;
  m_path += "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + "." + suffix;
}

ScratchFile::~ScratchFile() {
  std::error_code ec;
  std::filesystem::remove(m_path, ec);
}

void ScratchFile::write(const std::string& text) const {
  std::filesystem::create_directories(m_path.parent_path());
  std::ofstream out(m_path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw Error(ErrorKind::failure, "cannot write " + m_path.string());
}

std::string ScratchFile::read() const {
  std::ifstream in(m_path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

LoggedRun run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log,
                     std::chrono::milliseconds timeout, const std::vector<std::string>& shown) {
  const ScratchFile output(log, "out");
  LoggedRun run;
  run.outcome = run_command({.argv = argv, .output = output.path(), .timeout = timeout});
  run.output = output.read();
  std::ofstream out(log, std::ios::binary | std::ios::app);
  out << "$ " << command_line(shown.empty() ? argv : shown) << "\n" << run.output;
  if (!run.output.empty() && run.output.back() != '\n')
    out << "\n";
  if (!run.outcome.ok())
    out << "(" << run.outcome.describe(timeout) << ")\n";
  return run;
}

std::string run_failure(const std::string& what, const std::vector<std::string>& argv,
                        const CommandOutcome& outcome, std::chrono::milliseconds timeout) {
  std::string message = what + ": " + command_line(argv) + ": " + outcome.describe(timeout);
  if (!outcome.tail.empty())
    message += ": " + outcome.tail;
  return message;
}

std::vector<std::string> aws_argv(const AwsSettings& aws, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"aws"};
  if (!aws.profile.empty())
    argv.insert(argv.end(), {"--profile", aws.profile});
  if (!aws.region.empty())
    argv.insert(argv.end(), {"--region", aws.region});
  if (!aws.endpoint_url.empty())
    argv.insert(argv.end(), {"--endpoint-url", aws.endpoint_url});
  argv.insert(argv.end(), {"--output", "json"});
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

nlohmann::json aws_call(const AwsSettings& aws, const std::vector<std::string>& args,
                        const std::filesystem::path& log, std::chrono::milliseconds timeout) {
  const std::vector<std::string> argv = aws_argv(aws, args);
  const LoggedRun run = run_logged(argv, log, timeout);
  if (!run.outcome.ok())
    throw Error(ErrorKind::failure, run_failure("aws failed", argv, run.outcome, timeout));
  if (run.output.find_first_not_of(" \t\r\n") == std::string::npos)
    return nlohmann::json::object();
  try {
    return nlohmann::json::parse(run.output);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::failure,
                "aws printed something that is not JSON: " + command_line(argv) + ": " + e.what() +
                    ": " + run.outcome.tail);
  }
}

}  // namespace ferry::deploy_hooks
