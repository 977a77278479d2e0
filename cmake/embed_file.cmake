# Turns one file into a C++ source holding its bytes (run with cmake -P at build time), so a
# resource such as the server's chat page is part of the binary without an xxd dependency.
# -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name: defines `extern const std::string_view name`.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR n_bytes "${hex_length} / 2")
# "0x41,0x42,..." in lines of 24 bytes keeps the generated file readable in a diff tool.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){24})" "\\1\n" bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${name} by cmake/embed_file.cmake; do not edit.\n"
  "#include <string_view>\n\n"
  "namespace {\nconstexpr unsigned char kBytes[${n_bytes} + 1] = {\n${bytes}0};\n}\n\n"
  "extern const std::string_view ${SYMBOL};\n"
  "const std::string_view ${SYMBOL}(reinterpret_cast<const char*>(kBytes), ${n_bytes});\n")
# Only touch the output when it changed, so an unchanged page does not relink.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
