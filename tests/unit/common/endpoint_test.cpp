#include "ferry/common/endpoint.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "ferry/common/error.hpp"
#include "ferry/common/url.hpp"
#include "test_env.hpp"

namespace ferry {
namespace {

TEST(Endpoint, ParsesPostgresUrlWithEverything) {
  const Endpoint ep =
      parse_endpoint("postgres://app:s3cr%40t@db.example:6543/main?sslmode=require");
  EXPECT_EQ(ep.dialect, Dialect::postgres);
  EXPECT_EQ(ep.user, "app");
  EXPECT_EQ(ep.password.reveal(), "s3cr@t");
  EXPECT_EQ(ep.host, "db.example");
  ASSERT_TRUE(ep.port.has_value());
  EXPECT_EQ(*ep.port, 6543);
  EXPECT_EQ(ep.database, "main");
  EXPECT_EQ(ep.params.at("sslmode"), "require");
  EXPECT_EQ(ep.redacted(), "postgres://app:***@db.example:6543/main?sslmode=require");
}

TEST(Endpoint, AcceptsSchemeAliasesAndIpv6) {
  EXPECT_EQ(parse_endpoint("postgresql://u@h/d").dialect, Dialect::postgres);
  const Endpoint ep = parse_endpoint("mariadb://root@[::1]:3307/shop");
  EXPECT_EQ(ep.dialect, Dialect::mysql);
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(*ep.port, 3307);
  EXPECT_EQ(ep.redacted(), "mysql://root@[::1]:3307/shop");
}

TEST(Endpoint, ParsesSqliteAbsoluteAndRelative) {
  const Endpoint abs = parse_endpoint("sqlite:///var/lib/app/master.db");
  EXPECT_EQ(abs.dialect, Dialect::sqlite);
  EXPECT_EQ(abs.database, "/var/lib/app/master.db");
  EXPECT_EQ(abs.redacted(), "sqlite:///var/lib/app/master.db");
  const Endpoint rel = parse_endpoint("sqlite:data/tenant.db?mode=rwc");
  EXPECT_EQ(rel.database, "data/tenant.db");
  EXPECT_EQ(rel.params.at("mode"), "rwc");
  EXPECT_EQ(rel.redacted(), "sqlite:data/tenant.db?mode=rwc");
}

TEST(Endpoint, ConnectTimeoutDefaultsToTenSecondsAndCanBeSet) {
  EXPECT_EQ(parse_endpoint("mysql://u@h/d").connect_timeout, std::chrono::seconds(10));
  EXPECT_EQ(parse_endpoint("mysql://u@h/d?connect_timeout=3").connect_timeout,
            std::chrono::seconds(3));
}

void expect_bad(const std::string& url, const std::string& fragment) {
  try {
    parse_endpoint(url);
    ADD_FAILURE() << "no error for " << url;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_endpoint) << url;
    EXPECT_EQ(e.exit_code(), ExitCode::bad_input);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(Endpoint, RejectsMalformedUrlsWithoutShowingThePassword) {
  expect_bad("ftp://u:hunter2@h/d", "unknown scheme 'ftp'");
  expect_bad("postgres://u:hunter2@h:99999/d", "port out of range");
  expect_bad("postgres://u:hunter2@h:abc/d", "port is not a number");
  expect_bad("postgres://u:hunter2@/d", "missing host");
  expect_bad("mysql://u:hunter2@h", "missing database name");
  expect_bad("mysql://u:hunter2@h/d?connect_timeout=-1", "connect_timeout");
  expect_bad("just-a-name", "expected a URL");
  expect_bad("sqlite:", "missing SQLite file path");
  expect_bad("postgres://u:hunter2@h/d?password_file=/nonexistent/ferry", "password_file");
}

TEST(Endpoint, ReadsPasswordFromFileAndEnvironment) {
  test::TempDir dir;
  const std::string file = dir.path() + "/pw";
  std::ofstream(file) << "from-file\n";
  EXPECT_EQ(parse_endpoint("postgres://u@h/d?password_file=" + file).password.reveal(),
            "from-file");
  ::setenv("FERRY_UNIT_PW", "from-env", 1);
  const Endpoint ep = parse_endpoint("postgres://u@h/d?password_env=FERRY_UNIT_PW");
  EXPECT_EQ(ep.password.reveal(), "from-env");
  EXPECT_EQ(ep.redacted().find("from-env"), std::string::npos);
  EXPECT_EQ(ep.redacted(), "postgres://u:***@h/d");
  expect_bad("postgres://u@h/d?password_env=FERRY_UNIT_UNSET_VARIABLE", "not set");
}

TEST(Endpoint, ScrubRemovesThePasswordFromDriverMessages) {
  const Endpoint ep = parse_endpoint("postgres://u:p%40ss@h/d");
  EXPECT_EQ(ep.scrub("connection 'u:p@ss@h' failed; p%40ss"), "connection 'u:***@h' failed; ***");
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

TEST(EndpointSecrets, EverySecretParameterIsMaskedInEveryDialect) {
  for (const std::string base :
       {"postgres://app@db/main", "mysql://app@db/main", "sqlite:///var/app.db"}) {
    for (const std::string param : {"password", "sslpassword", "api_token", "client_secret",
                                    "access_key", "PassPhrase", "apiKey"}) {
      const std::string url = base + "?" + param + "=hunter2&sslmode=require&sslkey=/k.pem";
      const Endpoint ep = parse_endpoint(url);
      const std::string shown = ep.redacted();
      EXPECT_EQ(shown.find("hunter2"), std::string::npos) << url << " -> " << shown;
      EXPECT_NE(shown.find("sslmode=require"), std::string::npos) << shown;
      EXPECT_NE(shown.find("sslkey=/k.pem"), std::string::npos) << "sslkey is a path: " << shown;
      EXPECT_EQ(ep.scrub("driver said: " + param + "=hunter2 (hunter2)"),
                "driver said: " + param + "=*** (***)");
    }
  }
}

TEST(EndpointSecrets, PasswordParameterIsThePassword) {
  const Endpoint ep = parse_endpoint("postgres://app@db/main?password=hun%40ter2");
  EXPECT_EQ(ep.password.reveal(), "hun@ter2");
  EXPECT_FALSE(ep.params.contains("password"));
  EXPECT_EQ(ep.redacted(), "postgres://app:***@db/main");
  EXPECT_EQ(ep.scrub("hun@ter2 hun%40ter2"), "*** ***");
}

TEST(EndpointSecrets, UnparsableUrlsAreQuotedMasked) {
  for (const std::string url :
       {"postgres://app:hunter2@db:99999/main", "postgres://app@db:1/main?password=hunter2&x",
        "mysql://app@db/main?password=hunter2&connect_timeout=soon",
        "postgres://app@db/main?sslpassword=hunter2&bad=%zz"}) {
    try {
      parse_endpoint(url);
      ADD_FAILURE() << url << " parsed";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("***"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(mask_url("x://u:p@h/d?token=t&mode=rwc#f"), "x://u:***@h/d?token=***&mode=rwc#f");
}

TEST(EndpointSecrets, PasswordsWithReservedCharactersStayMasked) {
  // Unescaped '/', '?', '#' and '@' in a password (as ${VAR} may put there) break the URL;
  // its error must still not show them.
  for (const std::string password : {"ab/cd", "ab?cd", "ab#cd", "ab@cd", "a/b?c#d@e"}) {
    const std::string url = "postgres://app:" + password + "hunter2@db:99999/main";
    try {
      parse_endpoint(url);
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
    EXPECT_EQ(mask_url(url).find("hunter2"), std::string::npos) << mask_url(url);
  }
  EXPECT_EQ(mask_url("p://h/d?password=ab#cdhunter2&x=1").find("hunter2"), std::string::npos);
  EXPECT_EQ(mask_url("p://h/d?p%61ssword=hunter2").find("hunter2"), std::string::npos);
}

TEST(EndpointSecrets, SecretParameterNames) {
  for (const char* name :
       {"password", "sslpassword", "PASS", "secret", "api_token", "key", "private_key_data"})
    EXPECT_TRUE(is_secret_param(name)) << name;
  for (const char* name : {"sslkey", "sslmode", "host", "connect_timeout", "mode", "ferry",
                           "password_file", "password_env"})
    EXPECT_FALSE(is_secret_param(name)) << name;
}

}  // namespace
}  // namespace ferry
