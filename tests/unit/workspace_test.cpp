#include <agent_replay/digest.hpp>
#include <agent_replay/glob.hpp>
#include <agent_replay/templates.hpp>
#include <agent_replay/workspace.hpp>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

TEST(Workspace, MaterialisesStateAndSnapshotsIt) {
    TempDir dir;
    fs::path ws = dir.path() / "ws";
    write_file(ws / "stale.txt", "from an earlier attempt");
    materialise_workspace(ws, {{"a.txt", "alpha"}, {"deep/b.json", "{}"}});
    EXPECT_FALSE(fs::exists(ws / "stale.txt")) << "a fresh workspace per attempt";
    WorkspaceSnapshot snapshot = snapshot_workspace(ws);
    ASSERT_EQ(snapshot.size(), 2u);
    EXPECT_EQ(snapshot.at("a.txt").size, 5u);
    EXPECT_EQ(snapshot.at("a.txt").sha256, sha256_hex("alpha"));
    EXPECT_TRUE(snapshot.count("deep/b.json"));
}

TEST(Workspace, ComparesCreatedModifiedDeleted) {
    TempDir dir;
    fs::path ws = dir.path() / "ws";
    materialise_workspace(ws, {{"keep.txt", "k"}, {"edit.txt", "1"}, {"gone.txt", "g"}});
    WorkspaceSnapshot before = snapshot_workspace(ws);
    write_file(ws / "edit.txt", "2");  // same size, different content
    fs::remove(ws / "gone.txt");
    write_file(ws / "new/file.txt", "n");
    WorkspaceChanges changes = compare_snapshots(before, snapshot_workspace(ws));
    EXPECT_EQ(changes.created, std::vector<std::string>{"new/file.txt"});
    EXPECT_EQ(changes.modified, std::vector<std::string>{"edit.txt"});
    EXPECT_EQ(changes.deleted, std::vector<std::string>{"gone.txt"});
}

TEST(Digest, Sha256AndBase64) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(base64_decode("aGk="), "hi");
    EXPECT_EQ(base64_decode("aGVsbG8gd29ybGQ="), "hello world");
    EXPECT_FALSE(base64_decode("not base64!").has_value());
}

TEST(Glob, SegmentsAndDoubleStar) {
    EXPECT_TRUE(glob_matches("sources/**", "sources/a.txt"));
    EXPECT_TRUE(glob_matches("sources/**", "sources/x/y/z.txt"));
    EXPECT_FALSE(glob_matches("sources/**", "report.json"));
    EXPECT_TRUE(glob_matches("*.json", "report.json"));
    EXPECT_FALSE(glob_matches("*.json", "dir/report.json"));
    EXPECT_TRUE(glob_matches("**/*.json", "dir/report.json"));
    EXPECT_TRUE(glob_matches("**/*.json", "report.json"));
    EXPECT_TRUE(glob_matches("out/report-?.md", "out/report-1.md"));
    EXPECT_FALSE(glob_matches("*", ".hidden"));
}

TEST(Templates, ExpandsKnownAndRejectsUnknown) {
    TemplateValues values{{"proxy_url", "http://127.0.0.1:1"}, {"workspace", "/w"}};
    EXPECT_EQ(expand_templates("{{proxy_url}}/model", values), "http://127.0.0.1:1/model");
    EXPECT_EQ(expand_templates("--ws={{workspace}} {{workspace}}", values), "--ws=/w /w");
    EXPECT_THROW(expand_templates("{{nope}}", values), std::invalid_argument);
    EXPECT_THROW(expand_templates("{{proxy_url", values), std::invalid_argument);
}

}  // namespace
}  // namespace agent_replay
