# One place for the warning set every Drover target compiles with.
add_library(drover_warnings INTERFACE)
target_compile_options(drover_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wformat=2)
