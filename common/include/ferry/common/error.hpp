// The one error root of ferry. Fatal problems throw ferry::Error; per-target outcomes inside
// parallel work are values, not exceptions (docs/ARCHITECTURE.md).
#pragma once

#include <stdexcept>
#include <string>

namespace ferry {

// What kind of failure an Error is. The kind decides the process exit code and whether a
// retry could help; the message says what and where.
enum class ErrorKind {
  usage,             // bad command line
  config,            // bad ferry.yaml or option value
  bad_endpoint,      // malformed URL, unknown scheme, unreadable password file
  unreachable,       // server not reachable within the connect timeout
  auth_failed,       // server refused the credentials
  database_missing,  // server reachable, database (or SQLite file) absent
  failure,           // anything else that went wrong while working
};

// Process exit codes, the same for every command (README.md, "Exit codes";
// docs/ARCHITECTURE.md, "Errors").
enum class ExitCode : int {
  ok = 0,
  failure = 1,
  bad_input = 2,
  differences = 3,
  partial_failure = 4,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, bool retryable = false);

  ErrorKind kind() const noexcept { return m_kind; }
  bool retryable() const noexcept { return m_retryable; }
  ExitCode exit_code() const noexcept;

 private:
  ErrorKind m_kind;
  bool m_retryable;
};

const char* to_string(ErrorKind kind) noexcept;

}  // namespace ferry
