// The fit planner: its KV and activation bytes equal what a Session allocates (same planning
// code), its advice names what to change, and the CLI refuses a run that cannot fit.
#include <gtest/gtest.h>

#include "hearth/hearth.hpp"
#include <nlohmann/json.hpp>
#include "test_support.hpp"

namespace hearth {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(FitPlanner, PredictsExactlyWhatTheSessionAllocates) {
    // Three shapes: F32 with head_dim 8, SentencePiece Q8_0, Qwen3 K-quants with head_dim 64.
    for (const std::string file : {"stories260K.gguf", "tiny-llama2-spm-q8_0.gguf", "tiny-qwen3-q4_k_m.gguf"}) {
        const auto path = test::model_path(file);
        HEARTH_REQUIRE_FILE(path);
        const Model model = Model::load(path, {.threads = 1});
        for (SessionOptions o : {SessionOptions{}, SessionOptions{.n_ctx = 100, .n_batch = 7},
                                 SessionOptions{.n_ctx = 1000, .n_batch = 512, .kv_type = KvType::q8_0}}) {
            if (o.kv_type == KvType::q8_0 && model.config().head_dim % 32 != 0) continue;
            const FitPlan plan = plan_fit(path, o, 64 * kGiB);
            const Session session(model, o);
            const MemoryReport r = memory_report(session);
            EXPECT_EQ(plan.n_ctx, session.n_ctx()) << file;
            EXPECT_EQ(plan.kv_cache_bytes, r.kv_cache_bytes) << file << " ctx " << o.n_ctx;
            EXPECT_EQ(plan.activation_bytes, r.activation_bytes) << file << " ctx " << o.n_ctx;
            EXPECT_EQ(plan.weights_bytes, r.file_bytes) << file;
            EXPECT_TRUE(plan.fits());
            EXPECT_EQ(plan.advice.rfind("fits; ", 0), 0u) << plan.advice;
        }
    }
}

TEST(FitPlanner, AdvisesASmallerContextOrKvTypeWhenTheCacheIsTheProblem) {
    const auto path = test::model_path("tiny-llama3-q8_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const FitPlan big = plan_fit(path, {.n_ctx = 1 << 20}, 64 * kGiB);  // KV: 2 layers x 2 x 1M x 64 x 2 B = 512 MiB
    ASSERT_TRUE(big.fits());
    const uint64_t available = big.needed() - big.kv_cache_bytes / 4;  // room for 3/4 of the cache
    const FitPlan tight = plan_fit(path, {.n_ctx = 1 << 20}, available);
    EXPECT_FALSE(tight.fits());
    EXPECT_EQ(tight.advice.rfind("needs " + format_bytes(tight.needed()) + ", " + format_bytes(available) + " available: try", 0), 0u)
        << tight.advice;
    EXPECT_NE(tight.advice.find("-c 524288"), std::string::npos) << tight.advice;
    EXPECT_NE(tight.advice.find("--kv-type q8_0"), std::string::npos) << tight.advice;  // 34/64 of the F16 cache
    // The suggested context really fits.
    EXPECT_TRUE(plan_fit(path, {.n_ctx = 524288}, available).fits());
}

TEST(FitPlanner, AdvisesASmallerFileWhenTheWeightsAreTheProblem) {
    const auto path = test::model_path("stories260K.gguf");  // F32: 32 bits per weight
    HEARTH_REQUIRE_FILE(path);
    const FitPlan p = plan_fit(path, {}, 1 << 20);
    EXPECT_FALSE(p.fits());
    EXPECT_NE(p.advice.find("Q4_K_M"), std::string::npos) << p.advice;
    EXPECT_EQ(p.advice.find("-c "), std::string::npos) << p.advice;  // no context is small enough
    EXPECT_GT(p.overhead_bytes, 0u);
    EXPECT_EQ(p.needed(), p.weights_bytes + p.kv_cache_bytes + p.activation_bytes + p.overhead_bytes);
}

TEST(FitPlanner, AdvisesASmallerModelWhenNothingElseHelps) {
    const auto path = test::model_path("tiny-llama3-q4_0.gguf");  // already ~4.5 bits per weight
    HEARTH_REQUIRE_FILE(path);
    const FitPlan p = plan_fit(path, {.n_ctx = 512}, 1 << 20);
    EXPECT_FALSE(p.fits());
    EXPECT_NE(p.advice.find("available: try a smaller model (the weights alone need"), std::string::npos) << p.advice;
}

TEST(FitPlanner, RejectsWhatASessionRejects) {
    const auto path = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    EXPECT_THROW(plan_fit(path, {.n_batch = 0}), Error);
    EXPECT_THROW(plan_fit(path, {.kv_type = KvType::q8_0}), Error);  // head_dim 8
    EXPECT_THROW(plan_fit(test::model_path("no-such-file.gguf"), {}), Error);
}

TEST(FitPlanner, MemAvailableIsKnownOnLinux) {
    const auto avail = mem_available_bytes();
    ASSERT_TRUE(avail.has_value());
    EXPECT_GT(*avail, 0u);
}

TEST(FitPlannerCli, InfoMemoryPrintsThePlan) {
    const auto path = test::model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const auto r = test::run_command(test::cli_path() + " info --memory -c 1024 --json " + test::shell_quote(path.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    const FitPlan plan = plan_fit(path, {.n_ctx = 1024});
    EXPECT_EQ(j["n_ctx"].get<double>(), 1024);
    EXPECT_EQ(j["kv_cache_bytes"].get<double>(), double(plan.kv_cache_bytes));
    EXPECT_EQ(j["activation_bytes"].get<double>(), double(plan.activation_bytes));
    EXPECT_EQ(j["weights_bytes"].get<double>(), double(plan.weights_bytes));
    const auto text = test::run_command(test::cli_path() + " info --memory -c 1024 " + test::shell_quote(path.string()));
    ASSERT_EQ(text.status, 0) << text.err;
    for (const char* word : {"KV cache", "activations", "available", "fits"})
        EXPECT_NE(text.out.find(word), std::string::npos) << word << " missing in\n" << text.out;
}

TEST(FitPlannerCli, RunRefusesWhatCannotFitUnlessForced) {
    const auto path = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const std::string run = test::cli_path() + " run -m " + test::shell_quote(path.string()) + " -p Once -n 4 --temp 0";
    const auto refused = test::run_command("HEARTH_MEM_AVAILABLE=1000000 " + run);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("available: try"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
    EXPECT_TRUE(refused.out.empty()) << refused.out;
    const auto forced = test::run_command("HEARTH_MEM_AVAILABLE=1000000 " + run + " --force");
    EXPECT_EQ(forced.status, 0) << forced.err;
    EXPECT_FALSE(forced.out.empty());
}

}  // namespace
}  // namespace hearth
