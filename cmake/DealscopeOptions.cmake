# Project-wide compile settings, applied to every target through dealscope_settings.
add_library(dealscope_settings INTERFACE)
if(MSVC)
    # The sources are UTF-8 (string literals with … and →), which MSVC only assumes with /utf-8.
    target_compile_options(dealscope_settings INTERFACE /W4 /utf-8 /permissive-)
else()
    target_compile_options(dealscope_settings INTERFACE -Wall -Wextra -Wpedantic)
endif()
target_compile_definitions(dealscope_settings INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    QT_NO_URL_CAST_FROM_STRING
    DEALSCOPE_VERSION="${PROJECT_VERSION}")
if(DEALSCOPE_SANITIZE)
    target_compile_options(dealscope_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(dealscope_settings INTERFACE -fsanitize=address,undefined)
endif()
if(DEALSCOPE_TSAN)
    if(DEALSCOPE_SANITIZE)
        message(FATAL_ERROR "DEALSCOPE_TSAN and DEALSCOPE_SANITIZE cannot be combined")
    endif()
    target_compile_options(dealscope_settings INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(dealscope_settings INTERFACE -fsanitize=thread)
endif()

# Where the real-world fixtures live (never copied into the repo, see ../shared/data/README.md).
set(DEALSCOPE_SHARED_DATA_DIR "${CMAKE_SOURCE_DIR}/../shared/data" CACHE PATH "Folder with the reference listings and benchmarks")
