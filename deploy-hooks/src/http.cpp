#include "ferry/deploy_hooks/http.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"
#include "ferry/common/url.hpp"
#include "logged_run.hpp"

namespace ferry::deploy_hooks {
namespace {

// The limit of one try of wait_http (curl --max-time), at most the whole wait's.
constexpr std::chrono::seconds try_limit{10};
// Time for curl to stop after --max-time before run_command ends it.
constexpr std::chrono::seconds grace{5};

// Where dry runs show the scratch files a real run uses.
const char* const body_placeholder = "<body file>";

std::string seconds(std::chrono::milliseconds d) {
  return std::to_string(std::max<long long>(1, (d.count() + 999) / 1000));
}

// A webhook's URL carries its secret in the path: messages and logs show only its site
// (and never a password in it).
std::string webhook_site(const std::string& raw) {
  const std::string url = mask_url(raw);
  const std::size_t scheme = url.find("://");
  const std::size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path) + "/...";
}

std::vector<std::string> get_argv(const HttpWait& wait, const std::string& url,
                                  const std::string& body_file) {
  return {"curl",       "-sS",
          "-o",         body_file,
          "-w",         "%{http_code}",
          "--max-time", seconds(std::min<std::chrono::milliseconds>(wait.timeout, try_limit)),
          url};
}

std::vector<std::string> post_argv(const std::string& url, const std::string& data,
                                   const std::string& body_file,
                                   std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{"curl",   "-sS",
                                "-o",     body_file,
                                "-w",     "%{http_code}",
                                "-H",     "Content-Type: application/json",
                                "--data", data};
  if (timeout.count() > 0)
    argv.insert(argv.end(), {"--max-time", seconds(timeout)});
  argv.push_back(url);
  return argv;
}

struct Answer {
  int status = 0;     // 0: no HTTP answer
  std::string error;  // curl's words when it got none
};

// What one curl run printed: its error message (if any), then the status -w wrote last.
Answer parse_answer(const LoggedRun& run, std::chrono::milliseconds limit) {
  std::string text = run.output;
  Answer answer;
  if (text.size() >= 3 && std::all_of(text.end() - 3, text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; })) {
    answer.status = std::stoi(text.substr(text.size() - 3));
    text.resize(text.size() - 3);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  if (!run.outcome.ok() || answer.status == 0)
    answer.error = text.empty() ? "curl " + run.outcome.describe(limit) : text;
  return answer;
}

}  // namespace

std::vector<std::string> wait_http_call(const HttpWait& wait) {
  return get_argv(wait, mask_url(wait.url), body_placeholder);
}

int wait_http(const HttpWait& wait, const std::filesystem::path& log) {
  const std::string shown_url = mask_url(wait.url);
  const std::string expected =
      "status " + std::to_string(wait.status) +
      (wait.body_contains.empty() ? "" : " with '" + wait.body_contains + "' in the body");
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  const std::chrono::milliseconds limit =
      std::min<std::chrono::milliseconds>(wait.timeout, try_limit) + grace;
  std::string last;
  for (int tries = 1;; ++tries) {
    const ScratchFile body(log, "body");
    const LoggedRun run = run_logged(get_argv(wait, wait.url, body.path().string()), log, limit,
                                     get_argv(wait, shown_url, body.path().string()));
    const Answer answer = parse_answer(run, limit);
    if (answer.error.empty() && answer.status == wait.status &&
        (wait.body_contains.empty() || body.read().find(wait.body_contains) != std::string::npos))
      return tries;
    last = !answer.error.empty()          ? answer.error
           : answer.status != wait.status ? "status " + std::to_string(answer.status)
                                          : "status " + std::to_string(answer.status) +
                                                " without '" + wait.body_contains + "'";
    if (std::chrono::steady_clock::now() + wait.interval > deadline) {
      throw Error(ErrorKind::failure, shown_url + " did not answer " + expected + " within " +
                                          seconds(wait.timeout) + "s (" + std::to_string(tries) +
                                          " tries); the last answer: " + last);
    }
    std::this_thread::sleep_for(wait.interval);
  }
}

std::vector<std::string> notify_call(const std::string& url, const std::string& text) {
  // A real run passes the same JSON as @FILE, so the message is not in the process list.
  return post_argv(webhook_site(url), nlohmann::json{{"text", text}}.dump(), body_placeholder, {});
}

void notify_webhook(const std::string& url, const std::string& text,
                    const std::filesystem::path& log, std::chrono::milliseconds timeout) {
  const ScratchFile message(log, "json");
  message.write(nlohmann::json{{"text", text}}.dump());
  const ScratchFile response(log, "body");
  const std::string data = "@" + message.path().string();
  const std::string site = webhook_site(url);
  const LoggedRun run =
      run_logged(post_argv(url, data, response.path().string(), timeout), log, timeout + grace,
                 post_argv(site, data, response.path().string(), timeout));
  const Answer answer = parse_answer(run, timeout + grace);
  if (answer.error.empty() && answer.status >= 200 && answer.status < 300)
    return;
  std::string why = answer.error;
  if (why.empty()) {
    why = "status " + std::to_string(answer.status);
    if (const std::string said = response.read(); !said.empty())
      why += ": " + said.substr(0, 200);
  }
  throw Error(ErrorKind::failure, "notify webhook " + site + " failed: " + why);
}

}  // namespace ferry::deploy_hooks
