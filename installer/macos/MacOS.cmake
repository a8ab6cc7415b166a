# macOS: Dealscope.app (the desktop app, with dealscope-cli in Contents/MacOS sharing its Qt
# frameworks) in a DragNDrop .dmg, made self-contained by macdeployqt. Not built here (no Mac
# on the development machine); .github/workflows/packages.yml builds it on a macOS runner:
#   cmake -S . -B build-mac -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEALSCOPE_BUILD_TESTS=OFF
#         -DDEALSCOPE_BUILD_SERVER=OFF -DCMAKE_PREFIX_PATH="<Qt>/macos;<deps>"
#   cmake --build build-mac
#   cpack --config build-mac/CPackConfig.cmake -G DragNDrop -B build-mac/package
#   installer/macos/sign-and-notarize.sh build-mac/package/Dealscope-*.dmg   (to fill in)
# dealscope-server is deployed on Linux (the .deb and its systemd units), not in the .dmg.
# Secrets: QtKeychain keeps them in the macOS Keychain.
set(CPACK_GENERATOR DragNDrop)
set(CPACK_DMG_VOLUME_NAME "Dealscope ${PROJECT_VERSION}")
set(CPACK_DMG_FORMAT UDZO)
set(CPACK_PACKAGE_FILE_NAME "Dealscope-${PROJECT_VERSION}")

# The .icns is made at build time from the committed PNGs with iconutil (part of macOS).
set(_iconset ${CMAKE_CURRENT_BINARY_DIR}/dealscope.iconset)
set(_icns ${CMAKE_CURRENT_BINARY_DIR}/dealscope.icns)
set(_icon_copies "")
foreach(pair "16;16x16" "32;16x16@2x" "32;32x32" "64;32x32@2x" "128;128x128" "256;128x128@2x" "256;256x256"
        "512;256x256@2x" "512;512x512")
    list(GET pair 0 size)
    list(GET pair 1 name)
    list(APPEND _icon_copies COMMAND ${CMAKE_COMMAND} -E copy
        ${CMAKE_CURRENT_SOURCE_DIR}/icons/hicolor/${size}x${size}/${DEALSCOPE_APP_ID}.png ${_iconset}/icon_${name}.png)
endforeach()
add_custom_command(OUTPUT ${_icns}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_iconset}
    ${_icon_copies}
    COMMAND iconutil --convert icns --output ${_icns} ${_iconset}
    COMMENT "Making dealscope.icns")

if(TARGET dealscope)
    target_sources(dealscope PRIVATE ${_icns})
    set_source_files_properties(${_icns} PROPERTIES MACOSX_PACKAGE_LOCATION Resources)
    set_target_properties(dealscope PROPERTIES
        MACOSX_BUNDLE ON
        OUTPUT_NAME Dealscope
        MACOSX_BUNDLE_BUNDLE_NAME Dealscope
        MACOSX_BUNDLE_GUI_IDENTIFIER ${DEALSCOPE_APP_ID}
        MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
        MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION}
        MACOSX_BUNDLE_ICON_FILE dealscope.icns
        MACOSX_BUNDLE_COPYRIGHT "Dealscope contributors"
        MACOSX_BUNDLE_INFO_PLIST ${CMAKE_CURRENT_SOURCE_DIR}/macos/Info.plist.in)

    # macdeployqt copies the Qt frameworks and plugins into the bundle and points both
    # executables at them (-executable= for dealscope-cli). QtKeychain comes along as a
    # dependency of the app. Runs at install time, so also when CPack stages the .dmg.
    get_target_property(_qmake Qt6::qmake IMPORTED_LOCATION)
    get_filename_component(_qt_bin ${_qmake} DIRECTORY)
    find_program(MACDEPLOYQT_EXECUTABLE macdeployqt HINTS ${_qt_bin} REQUIRED)
    install(CODE "
        set(_app \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/Dealscope.app\")
        execute_process(COMMAND \"${MACDEPLOYQT_EXECUTABLE}\" \"\${_app}\"
            \"-executable=\${_app}/Contents/MacOS/dealscope-cli\" -always-overwrite
            COMMAND_ERROR_IS_FATAL ANY)
    ")
endif()
