// Chooses the kernel table once: the best instruction set the CPU (and OS) supports, unless
// HEARTH_ISA names a supported level. An unsupported or unknown HEARTH_ISA is ignored silently
// (a library must not print); `hearth info` style tools can report active_isa().
#include <array>
#include <cstdlib>
#include <string_view>

#include "kernels/kernels.hpp"
#include "kernels/ref/ref_kernels.hpp"
#include "kernels/simd_kernels.hpp"
#if defined(HEARTH_HAVE_AMX_KERNELS)
#include "kernels/x86/block_gemm_x86.hpp"
#endif

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif
#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace hearth::kernels {
namespace {

struct Entry {
    GgmlType type;
    TypeKernels kernels;
};

using Table = std::array<Entry, kTypeCount>;

// Built on demand: the ref:: entries live in other translation units.
Table ref_table() noexcept {
    Table table{};
    for (size_t i = 0; i < kTypeCount; ++i) table[i] = {kWeightTypes[i], *ref::kernels_for(kWeightTypes[i])};
    return table;
}

TypeKernels* find(Table& table, GgmlType t) noexcept {
    for (Entry& e : table)
        if (e.type == t) return &e.kernels;
    return nullptr;
}

// A SIMD table is the ref table with the kernels that level has replaced.
Table make_table(Isa isa) noexcept {
    Table table = ref_table();
    for (const SimdOverride& o : simd_overrides(isa)) {
        TypeKernels* k = find(table, o.type);
        if (k == nullptr) continue;
        if (o.quantize_act_row != nullptr) k->quantize_act_row = o.quantize_act_row;
        if (o.vec_dot != nullptr) k->vec_dot = o.vec_dot;
        if (o.dequantize_row != nullptr) k->dequantize_row = o.dequantize_row;
        if (o.vec_dot != nullptr) k->tiles = o.tiles;  // tiles belong to the vec_dot they reproduce
        if (o.gemm.panel_rows != 0) k->gemm = o.gemm;
        if (o.ggml.vec_dot != nullptr) k->ggml = o.ggml;
    }
    return table;
}

struct CpuSupport {
    bool avx2 = false;
    bool avxvnni = false;
    bool avx512 = false;
    bool amx = false;
    bool neon = false;
};

CpuSupport detect() noexcept {
    CpuSupport s;
#if defined(__x86_64__) && defined(HEARTH_HAVE_X86_KERNELS)
    // libgcc's checks include the OS (XGETBV) enabling the YMM/ZMM state.
    __builtin_cpu_init();
    s.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
             __builtin_cpu_supports("bmi2");
    s.avx512 = s.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vnni");
#if defined(HEARTH_HAVE_AVXVNNI_KERNELS)
    // GCC 12's __builtin_cpu_supports does not know AVX-VNNI: CPUID leaf 7 sub-leaf 1, EAX bit 4
    // (its YMM state is the one the avx2 check already confirmed the OS saves).
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    s.avxvnni = s.avx2 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) != 0 && (eax & (1u << 4)) != 0;
#endif
#if defined(HEARTH_HAVE_AMX_KERNELS)
    s.amx = s.avx512 && x86::amx_usable();
#endif
#elif defined(__aarch64__) && defined(__linux__) && defined(HEARTH_HAVE_NEON_KERNELS)
    s.neon = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
    return s;
}

const CpuSupport& cpu() noexcept {
    static const CpuSupport s = detect();
    return s;
}

Isa best_isa() noexcept {
    if (cpu().amx) return Isa::amx;
    if (cpu().avx512) return Isa::avx512;
    if (cpu().avxvnni) return Isa::avxvnni;
    if (cpu().avx2) return Isa::avx2;
    if (cpu().neon) return Isa::neon;
    return Isa::ref;
}

Isa choose_isa() noexcept {
    const char* env = std::getenv("HEARTH_ISA");
    if (env != nullptr) {
        const std::string_view want = env;
        for (Isa isa : kAllIsas)
            if (want == isa_name(isa) && isa_supported(isa)) return isa;
    }
    return best_isa();
}

const Table& table(Isa isa) noexcept {
    static const Table scalar_table = ref_table();
    static const Table avx2_table = make_table(Isa::avx2);
    static const Table avxvnni_table = make_table(Isa::avxvnni);
    static const Table avx512_table = make_table(Isa::avx512);
    static const Table amx_table = make_table(Isa::amx);
    static const Table neon_table = make_table(Isa::neon);
    switch (isa) {
        case Isa::avx2: return avx2_table;
        case Isa::avxvnni: return avxvnni_table;
        case Isa::avx512: return avx512_table;
        case Isa::amx: return amx_table;
        case Isa::neon: return neon_table;
        case Isa::ref: break;
    }
    return scalar_table;
}

}  // namespace

std::string_view isa_name(Isa isa) noexcept {
    switch (isa) {
        case Isa::ref: return "ref";
        case Isa::avx2: return "avx2";
        case Isa::avxvnni: return "avxvnni";
        case Isa::avx512: return "avx512";
        case Isa::amx: return "amx";
        case Isa::neon: return "neon";
    }
    return "?";
}

bool isa_supported(Isa isa) noexcept {
    switch (isa) {
        case Isa::ref: return true;
        case Isa::avx2: return cpu().avx2;
        case Isa::avxvnni: return cpu().avxvnni;
        case Isa::avx512: return cpu().avx512;
        case Isa::amx: return cpu().amx;
        case Isa::neon: return cpu().neon;
    }
    return false;
}

Isa active_isa() noexcept {
    static const Isa isa = choose_isa();
    return isa;
}

const TypeKernels* type_kernels(GgmlType t, Isa isa) noexcept {
    if (!isa_supported(isa)) return nullptr;
    for (const Entry& e : table(isa))
        if (e.type == t) return &e.kernels;
    return nullptr;
}

const TypeKernels* type_kernels(GgmlType t) noexcept { return type_kernels(t, active_isa()); }

void dot_rows_tokens(const TypeKernels& k, size_t n, const std::byte* w, size_t w_stride, size_t n_rows,
                     const std::byte* act, size_t act_stride, size_t n_tokens, float* out, size_t out_stride) noexcept {
    const DotTiles& tl = k.tiles;
    const size_t tr = tl.batch ? tl.tile_rows : 0;
    size_t t = 0;
    // Tokens in tiles of tt while they fill one (rows beyond the last whole tile by vec_dot).
    auto tiles = [&](DotTileFn tile, size_t tt) {
        for (; t + tt <= n_tokens; t += tt) {
            size_t r = 0;
            for (; r + tr <= n_rows; r += tr)
                tile(n, w + r * w_stride, w_stride, act + t * act_stride, act_stride, out + t * out_stride + r, out_stride);
            for (; r < n_rows; ++r)
                for (size_t u = t; u < t + tt; ++u) out[u * out_stride + r] = k.vec_dot(n, w + r * w_stride, act + u * act_stride);
        }
    };
    if (tr != 0 && tl.tile_tokens != 0 && n_rows >= tr) {
        tiles(tl.batch, tl.tile_tokens);
        if (tl.pair != nullptr) tiles(tl.pair, 2);
    }
    const size_t rr = tl.rows ? tl.rows_per_call : 0;
    for (; t < n_tokens; ++t) {
        const std::byte* a = act + t * act_stride;
        float* o = out + t * out_stride;
        size_t r = 0;
        if (rr != 0)
            for (; r + rr <= n_rows; r += rr) tl.rows(n, w + r * w_stride, w_stride, a, 0, o + r, 0);
        for (; r < n_rows; ++r) o[r] = k.vec_dot(n, w + r * w_stride, a);
    }
}

}  // namespace hearth::kernels
