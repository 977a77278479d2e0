// Weight placement: the automatic rule (sizes, THP, sampled huge-page coverage), the huge-page
// probes on a real mapping, and that mapped, copied and automatic weights give the same logits
// with a memory report and fit plan that say where the weights are and why.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <vector>

#include "hearth/hearth.hpp"
#include "hearth/mapped_file.hpp"
#include "kernels/kernels.hpp"
#include "memory/huge_pages.hpp"
#include "memory/model_storage.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(ModelStorage, CopiesOnlyWhenTheWeightsTakeAtMostHalfOfAvailable) {
    EXPECT_FALSE(placement_by_memory(4 * kGiB, 8 * kGiB, true));  // exactly half: copy
    EXPECT_FALSE(placement_by_memory(1 * kGiB, std::nullopt, true));  // unknown: copy
    const auto big = placement_by_memory(4 * kGiB + 1, 8 * kGiB, true);
    ASSERT_TRUE(big);
    EXPECT_EQ(big->storage, WeightStorage::mapped);
    EXPECT_NE(big->reason.find("half of MemAvailable"), std::string::npos) << big->reason;
    const auto no_thp = placement_by_memory(1 * kGiB, 64 * kGiB, false);
    ASSERT_TRUE(no_thp);
    EXPECT_EQ(no_thp->storage, WeightStorage::mapped);
    EXPECT_NE(no_thp->reason.find("huge pages are off"), std::string::npos) << no_thp->reason;
}

TEST(ModelStorage, MapsWhenTheKernelAlreadyUsesHugePages) {
    EXPECT_EQ(placement_by_sample(HugePageSample{16, 16}).storage, WeightStorage::mapped);
    EXPECT_EQ(placement_by_sample(HugePageSample{16, 15}).storage, WeightStorage::mapped);  // >= 90%
    EXPECT_EQ(placement_by_sample(HugePageSample{16, 14}).storage, WeightStorage::copied);
    EXPECT_EQ(placement_by_sample(HugePageSample{16, 0}).storage, WeightStorage::copied);
    EXPECT_EQ(placement_by_sample(HugePageSample{0, 0}).storage, WeightStorage::mapped);  // nothing to gain
    EXPECT_EQ(placement_by_sample(std::nullopt).storage, WeightStorage::copied);        // cannot tell
    const PlacementChoice c = placement_by_sample(HugePageSample{16, 3});
    EXPECT_NE(c.reason.find("3 of 16 sampled"), std::string::npos) << c.reason;
}

// A file of n bytes in the test's temporary directory, removed at scope exit.
struct TempFile {
    std::filesystem::path path;
    explicit TempFile(size_t n) : path(std::filesystem::temp_directory_path() / ("hearth_storage_" + std::to_string(::getpid()))) {
        std::ofstream out(path, std::ios::binary);
        std::vector<char> block(size_t{1} << 20, 'x');
        for (size_t done = 0; done < n; done += block.size()) out.write(block.data(), std::min(block.size(), n - done));
    }
    ~TempFile() { std::filesystem::remove(path); }
};

TEST(ModelStorage, MappingIsHugePageAlignedAndSampled) {
    const size_t huge = huge_page_size();
    const TempFile file(5 * huge + 4096);  // not a whole number of huge pages
    const MappedFile map(file.path);
    ASSERT_EQ(map.bytes().size(), 5 * huge + 4096);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(map.bytes().data()) % huge, 0u);  // PMD mapping possible
    EXPECT_EQ(static_cast<char>(map.bytes().back()), 'x');  // the tail page is mapped too
    advise_huge_pages(map.bytes());
    const auto sample = sample_huge_page_mapping(map.bytes().subspan(100), 3);  // chunks 1..4 are whole
    if (!sample) GTEST_SKIP() << "no FilePmdMapped in /proc/self/smaps";
    EXPECT_EQ(sample->chunks, 3u);
    EXPECT_LE(sample->huge, sample->chunks);
    const auto none = sample_huge_page_mapping(map.bytes().subspan(huge + 1, huge), 16);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->chunks, 0u);  // no whole aligned chunk inside
}

TEST(ModelStorage, EveryPlacementGivesTheSameLogitsAndSaysWhere) {
    const auto path = test::model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model mapped = Model::load(path, {.threads = 1, .weights = WeightStorage::mapped});
    const Model copied = Model::load(path, {.threads = 1, .weights = WeightStorage::copied});
    const Model automatic = Model::load(path, {.threads = 1});

    const MemoryReport m = memory_report(mapped), c = memory_report(copied), a = memory_report(automatic);
    EXPECT_EQ(m.weights_storage, WeightStorage::mapped);
    EXPECT_EQ(c.weights_storage, WeightStorage::copied);
    EXPECT_NE(a.weights_storage, WeightStorage::automatic);  // the report says what was chosen
    EXPECT_EQ(a.weights_storage_reason.rfind("automatic: ", 0), 0u) << a.weights_storage_reason;
    EXPECT_NE(c.weights_storage_reason.find("--no-mmap"), std::string::npos) << c.weights_storage_reason;
    // The copy is the file itself: same sizes, all of it resident (it is RSS).
    EXPECT_EQ(c.file_bytes, std::filesystem::file_size(path));
    EXPECT_EQ(c.weights_bytes, m.weights_bytes);
    EXPECT_EQ(c.weights_resident, c.weights_bytes);
    const std::string text = format_memory_report(c);
    for (const char* word : {"copied (RSS)", "why: asked for"})
        EXPECT_NE(text.find(word), std::string::npos) << word << " missing in\n" << text;

    const std::vector<TokenId> ids = mapped.tokenizer().encode("Hello world, once upon a time", true, false);
    std::vector<std::vector<float>> logits;
    for (const Model* model : {&mapped, &copied, &automatic}) {
        Session s(*model, {.n_ctx = 32});
        s.eval(ids);
        logits.emplace_back(s.logits().begin(), s.logits().end());
    }
    EXPECT_EQ(logits[0], logits[1]);
    EXPECT_EQ(logits[0], logits[2]);
}

// Files mostly in types the level reads in the decode layout (Q4_0; Q8_0, Q4_K, Q6_K at AVX-512) are
// copied (only a copy can be rearranged); others leave the choice to the huge-page sample. The
// fit planner says the same.
TEST(ModelStorage, AutomaticCopiesForTheDecodeLayout) {
    const auto q4 = test::model_path("tiny-llama3-q4_0.gguf"), k4 = test::model_path("tiny-llama3-q4_k_m.gguf");
    const auto f32 = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(q4);
    HEARTH_REQUIRE_FILE(k4);
    HEARTH_REQUIRE_FILE(f32);
    EXPECT_FALSE(placement_by_layout(gguf::File::open(f32)));
    EXPECT_EQ(placement_by_layout(gguf::File::open(k4)).has_value(),
              kernels::type_kernels(GgmlType::q4_k)->gemm.few.one_tiled != nullptr);
    const auto choice = placement_by_layout(gguf::File::open(q4));
    if (kernels::type_kernels(GgmlType::q4_0)->gemm.few.one_tiled == nullptr) {
        EXPECT_FALSE(choice) << "no decode-layout kernel at this level";
        return;
    }
    ASSERT_TRUE(choice);
    EXPECT_EQ(choice->storage, WeightStorage::copied);
    EXPECT_NE(choice->reason.find("decode layout"), std::string::npos) << choice->reason;
    const uint64_t file = std::filesystem::file_size(q4);
    const FitPlan roomy = plan_fit(q4, {.n_ctx = 64}, 100 * file);
    if (!anonymous_huge_pages_enabled()) return;  // then the copy would gain nothing and is not made
    EXPECT_EQ(roomy.weights_storage, WeightStorage::copied);
    EXPECT_EQ(roomy.weights_storage_reason, choice->reason);
    const Model automatic = Model::load(q4, {.threads = 1});
    EXPECT_EQ(memory_report(automatic).weights_storage, WeightStorage::copied);
    EXPECT_GT(memory_report(automatic).weights_decode_tiles, 0u);
}

TEST(ModelStorage, FitPlanSaysWhatAutomaticWillDo) {
    const auto path = test::model_path("tiny-llama3-q8_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const uint64_t file = std::filesystem::file_size(path);
    const FitPlan tight = plan_fit(path, {.n_ctx = 64}, file + file / 2);  // fits, but not twice
    EXPECT_EQ(tight.weights_storage, WeightStorage::mapped);
    EXPECT_NE(tight.weights_storage_reason.find("half of MemAvailable"), std::string::npos) << tight.weights_storage_reason;
    EXPECT_EQ(tight.weights_bytes, file);  // counted once, mapped or copied
    const FitPlan roomy = plan_fit(path, {.n_ctx = 64}, 100 * file);
    EXPECT_EQ(roomy.weights_storage, anonymous_huge_pages_enabled() ? WeightStorage::copied : WeightStorage::mapped);
    EXPECT_EQ(roomy.weights_bytes, tight.weights_bytes);
}

TEST(ModelStorage, CliFlagsChooseAndReportThePlacement) {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    const auto path = test::model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const std::string bench = test::shell_quote(test::cli_path()) + " bench -m " + test::shell_quote(path.string()) +
                              " -p 0 -n 1 -t 1 -r 1 --no-bandwidth ";
    const auto mapped = test::run_command(bench + "--mmap");
    ASSERT_EQ(mapped.status, 0) << mapped.err;
    EXPECT_NE(mapped.out.find("weights: mapped (asked for"), std::string::npos) << mapped.out;
    const auto copied = test::run_command(bench + "--no-mmap");
    ASSERT_EQ(copied.status, 0) << copied.err;
    EXPECT_NE(copied.out.find("weights: copied (asked for"), std::string::npos) << copied.out;
    const auto automatic = test::run_command(bench);
    ASSERT_EQ(automatic.status, 0) << automatic.err;
    EXPECT_NE(automatic.out.find("(automatic: "), std::string::npos) << automatic.out;
    EXPECT_EQ(test::run_command(bench + "--mmap --no-mmap").status, 2);  // a usage error

    const auto plan = test::run_command(test::shell_quote(test::cli_path()) + " info --memory " + test::shell_quote(path.string()));
    ASSERT_EQ(plan.status, 0) << plan.err;
    EXPECT_NE(plan.out.find("weights will be "), std::string::npos) << plan.out;
}

}  // namespace
}  // namespace hearth
