#include "ferry/common/error.hpp"

namespace ferry {

Error::Error(ErrorKind kind, std::string message, bool retryable)
    : std::runtime_error(std::move(message)), m_kind(kind), m_retryable(retryable) {}

ExitCode Error::exit_code() const noexcept {
  switch (m_kind) {
    case ErrorKind::usage:
    case ErrorKind::config:
    case ErrorKind::bad_endpoint:
    case ErrorKind::unreachable:
    case ErrorKind::auth_failed:
    case ErrorKind::database_missing:
      return ExitCode::bad_input;
    case ErrorKind::failure:
      break;
  }
  return ExitCode::failure;
}

const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::config:
      return "config";
    case ErrorKind::bad_endpoint:
      return "bad endpoint";
    case ErrorKind::unreachable:
      return "unreachable";
    case ErrorKind::auth_failed:
      return "authentication failed";
    case ErrorKind::database_missing:
      return "database missing";
    case ErrorKind::failure:
      return "failure";
  }
  return "failure";
}

}  // namespace ferry
