# ASan + UBSan for the asan preset. Applied globally so that the tests and the
# service are instrumented the same way.
if(TIKET_SANITIZERS)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
