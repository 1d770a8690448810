// HTTP hooks, through the curl program: wait until a URL answers as expected, and post a
// message to a chat webhook (Slack, Teams and Mattermost accept {"text": ...}).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace ferry::deploy_hooks {

struct HttpWait {
  std::string url;
  int status = 200;           // the status to wait for
  std::string body_contains;  // and, when not empty, a substring of the body
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds interval{std::chrono::seconds(2)};
};

// The curl call of one try, for dry runs: a password in the URL is masked.
std::vector<std::string> wait_http_call(const HttpWait& wait);

// GETs the URL every interval until it answers with the status (and the substring), and
// returns how many tries it took. Throws Error(failure) when the time runs out, naming the
// last status (or connection error) seen.
int wait_http(const HttpWait& wait, const std::filesystem::path& log);

// The curl call that posts {"text": text} as JSON to the URL, for dry runs: the URL shows
// only its site, since a webhook's path is its secret.
std::vector<std::string> notify_call(const std::string& url, const std::string& text);

// Posts {"text": text}; throws Error(failure) unless the server answers 2xx.
void notify_webhook(const std::string& url, const std::string& text,
                    const std::filesystem::path& log, std::chrono::milliseconds timeout);

}  // namespace ferry::deploy_hooks
