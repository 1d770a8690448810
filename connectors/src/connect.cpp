#include <future>

#include "factories.hpp"
#include "ferry/common/error.hpp"

namespace ferry::connectors {

std::unique_ptr<Connector> connect(const Endpoint& endpoint) {
  switch (endpoint.dialect) {
    case Dialect::postgres:
      return make_postgres(endpoint);
    case Dialect::mysql:
      return make_mysql(endpoint);
    case Dialect::sqlite:
      return make_sqlite(endpoint);
  }
  throw Error(ErrorKind::bad_endpoint, "unsupported dialect in " + endpoint.redacted());
}

void Connector::join_snapshot(const std::string& /*snapshot*/) {
  throw Error(ErrorKind::failure,
              endpoint().redacted() + ": this database cannot share a snapshot between sessions");
}

SnapshotSessions connect_in_one_snapshot(const Endpoint& endpoint, std::size_t count) {
  SnapshotSessions out;
  if (count == 0)
    return out;
  // Connected all at once: each connection waits mostly on round trips and authentication.
  std::vector<std::future<std::unique_ptr<Connector>>> opening;
  for (std::size_t i = 1; i < count; ++i)
    opening.push_back(std::async(std::launch::async, [&endpoint] { return connect(endpoint); }));
  out.sessions.push_back(connect(endpoint));
  for (auto& session : opening)
    out.sessions.push_back(session.get());  // the first failure is thrown once all have ended
  Connector& first = *out.sessions.front();
  first.begin_consistent_read();
  try {
    out.exported = first.export_snapshot();
  } catch (const Error& e) {
    out.why_not = e.what();  // then every session reads its own snapshot
  }
  if (out.exported) {
    for (std::size_t i = 1; i < count; ++i)
      out.sessions[i]->join_snapshot(*out.exported);
    out.shared = true;
    return out;
  }
  first.end_consistent_read();
  if (count == 1) {
    first.begin_consistent_read();
    out.shared = true;
    return out;
  }
  // Commits are paused by a session of its own, and only while the reads begin: every session
  // is connected already.
  const std::unique_ptr<Connector> control = connect(endpoint);
  out.shared = out.why_not.empty() && control->pause_commits(out.why_not);
  try {
    for (const auto& session : out.sessions)
      session->begin_consistent_read();
  } catch (...) {
    if (out.shared)
      control->resume_commits();
    throw;
  }
  if (out.shared)
    control->resume_commits();
  return out;
}

}  // namespace ferry::connectors
