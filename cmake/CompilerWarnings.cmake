# One place for warning flags. The dev preset turns them into errors.
add_library(tiket_warnings INTERFACE)
target_compile_options(tiket_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(TIKET_WARNINGS_AS_ERRORS)
  target_compile_options(tiket_warnings INTERFACE -Werror)
endif()
