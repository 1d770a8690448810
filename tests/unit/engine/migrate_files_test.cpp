// Migration directories: every layout teams bring is read as it is, versions order by their
// numbers, and names that fit no layout, duplicates and mixed layouts are refused by name.
#include <gtest/gtest.h>

#include <filesystem>

#include "ferry/common/error.hpp"
#include "ferry/engine/migrate.hpp"
#include "ferry/engine/paths.hpp"
#include "test_env.hpp"

namespace ferry::engine {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text = "SELECT 1;\n") {
  write_file_atomically(file, text);
}

std::vector<std::string> versions(const MigrationSet& set) {
  std::vector<std::string> out;
  for (const Migration& m : set.versioned)
    out.push_back(m.version);
  return out;
}

std::string error_of(const fs::path& dir, const std::string& format = "") {
  try {
    load_migrations(dir, format);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(MigrationFiles, FerryLayoutOrdersByNumberAndPairsDownFiles) {
  test::TempDir dir;
  write(fs::path(dir.path()) / "0010_ten.up.sql");
  write(fs::path(dir.path()) / "0002_two.up.sql");
  write(fs::path(dir.path()) / "0002_two.down.sql");
  write(fs::path(dir.path()) / "README.md", "not a migration");
  const MigrationSet set = load_migrations(dir.path(), "");
  EXPECT_EQ(set.format, MigrationFormat::ferry);
  EXPECT_EQ(versions(set), (std::vector<std::string>{"2", "10"}));
  EXPECT_EQ(set.versioned[0].name, "two");
  EXPECT_EQ(set.versioned[0].down.filename(), "0002_two.down.sql");
  EXPECT_TRUE(set.versioned[1].down.empty());
  EXPECT_EQ(set.find("0002"), &set.versioned[0]);
  EXPECT_EQ(set.versioned[0].checksum.size(), 32u);
}

TEST(MigrationFiles, GolangMigrateLayoutIsDetected) {
  test::TempDir dir;
  write(fs::path(dir.path()) / "1_init.up.sql");
  write(fs::path(dir.path()) / "1_init.down.sql");
  write(fs::path(dir.path()) / "2_users.up.sql");
  const MigrationSet set = load_migrations(dir.path(), "");
  EXPECT_EQ(set.format, MigrationFormat::golang_migrate);
  EXPECT_EQ(versions(set), (std::vector<std::string>{"1", "2"}));
}

TEST(MigrationFiles, FlywayVersionedUndoAndRepeatable) {
  test::TempDir dir;
  write(fs::path(dir.path()) / "V1__init.sql");
  write(fs::path(dir.path()) / "V1_1__more.sql");
  write(fs::path(dir.path()) / "V2__users.sql");
  write(fs::path(dir.path()) / "U2__users.sql");
  write(fs::path(dir.path()) / "R__views.sql");
  const MigrationSet set = load_migrations(dir.path(), "");
  EXPECT_EQ(set.format, MigrationFormat::flyway);
  EXPECT_EQ(versions(set), (std::vector<std::string>{"1", "1.1", "2"}));
  EXPECT_EQ(set.versioned[2].down.filename(), "U2__users.sql");
  ASSERT_EQ(set.repeatable.size(), 1u);
  EXPECT_EQ(set.repeatable[0].version, "R__views");
  EXPECT_TRUE(set.repeatable[0].repeatable);
}

TEST(MigrationFiles, PrismaFolders) {
  test::TempDir dir;
  write(fs::path(dir.path()) / "20240102000000_users" / "migration.sql");
  write(fs::path(dir.path()) / "20240101000000_init" / "migration.sql");
  write(fs::path(dir.path()) / "migration_lock.toml", "provider = \"postgresql\"\n");
  const MigrationSet set = load_migrations(dir.path(), "");
  EXPECT_EQ(set.format, MigrationFormat::prisma);
  EXPECT_EQ(versions(set),
            (std::vector<std::string>{"20240101000000_init", "20240102000000_users"}));
  EXPECT_EQ(set.versioned[1].name, "users");
}

TEST(MigrationFiles, RefusesWhatFitsNoLayoutNamingTheFile) {
  test::TempDir mixed;
  write(fs::path(mixed.path()) / "0001_a.up.sql");
  write(fs::path(mixed.path()) / "V2__b.sql");
  EXPECT_NE(error_of(mixed.path()).find("more than one layout"), std::string::npos);

  test::TempDir stray;
  write(fs::path(stray.path()) / "0001_a.up.sql");
  write(fs::path(stray.path()) / "fix.sql");
  EXPECT_NE(error_of(stray.path()).find("fix.sql"), std::string::npos);

  test::TempDir twice;
  write(fs::path(twice.path()) / "0001_a.up.sql");
  write(fs::path(twice.path()) / "1_b.up.sql");
  EXPECT_NE(error_of(twice.path()).find("version 1 is also"), std::string::npos);

  test::TempDir orphan;
  write(fs::path(orphan.path()) / "0003_c.down.sql");
  EXPECT_NE(error_of(orphan.path()).find("without its up file"), std::string::npos);

  EXPECT_NE(error_of(fs::path(orphan.path()) / "nope").find("no migrations directory"),
            std::string::npos);
}

TEST(MigrationFiles, NewWritesTheNextFileOfTheLayout) {
  test::TempDir dir;
  write(fs::path(dir.path()) / "0001_init.up.sql");
  const auto written = new_migration(load_migrations(dir.path(), ""), "Add invoices");
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0].filename(), "0002_add_invoices.up.sql");
  EXPECT_EQ(written[1].filename(), "0002_add_invoices.down.sql");
  EXPECT_EQ(versions(load_migrations(dir.path(), "")), (std::vector<std::string>{"1", "2"}));

  test::TempDir flyway;
  write(fs::path(flyway.path()) / "V3__x.sql");
  const auto f = new_migration(load_migrations(flyway.path(), ""), "y");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].filename(), "V4__y.sql");
}

}  // namespace
}  // namespace ferry::engine
