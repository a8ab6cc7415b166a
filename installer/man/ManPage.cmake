# Writes a gzipped man page from a program's --help and --version with help2man. Run with cmake -P:
#   -DPROGRAM=/path/to/program -DHELP2MAN=… -DGZIP=… -DDESCRIPTION="one line" -DINCLUDE=file.h2m
#   -DOUTPUT=…/program.1.gz [-DCOMMANDS="a;b"] [-DCOMMANDS_SECTION=NAME]
# help2man runs the program by its name (its directory first on PATH), so the usage lines say
# "dealscope-server", not the build path. The desktop app runs on the offscreen platform.
# COMMANDS: subcommands whose `PROGRAM COMMAND --help` goes into section COMMANDS_SECTION.
get_filename_component(dir ${PROGRAM} DIRECTORY)
get_filename_component(name ${PROGRAM} NAME)
set(ENV{PATH} "${dir}:$ENV{PATH}")
set(ENV{QT_QPA_PLATFORM} offscreen)
set(ENV{LC_ALL} C.UTF-8)
# Defaults that name the user's folders read "~/.local/share/…", not the build machine's home.
set(ENV{HOME} "~")
unset(ENV{XDG_DATA_HOME})
unset(ENV{XDG_CONFIG_HOME})
get_filename_component(runtime ${OUTPUT} DIRECTORY)
set(runtime ${runtime}/runtime)
file(MAKE_DIRECTORY ${runtime})
file(CHMOD ${runtime} DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
set(ENV{XDG_RUNTIME_DIR} ${runtime}) # the desktop app's platform plugin asks for one
get_filename_component(out_dir ${OUTPUT} DIRECTORY)
set(page ${out_dir}/${name}.1)

set(include_file ${INCLUDE})
if(COMMANDS)
    # roff: the help text verbatim (no filling), with backslashes and leading dots escaped.
    set(section "[${COMMANDS_SECTION}]\n")
    foreach(command ${COMMANDS})
        execute_process(COMMAND ${name} ${command} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "${name} ${command} --help failed (${rc})")
        endif()
        string(REPLACE "\\" "\\e" help "${help}")
        string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
        string(APPEND section ".SS \"${name} ${command}\"\n.nf\n${help}.fi\n")
    endforeach()
    file(READ ${INCLUDE} static_part)
    set(include_file ${out_dir}/${name}.h2m)
    file(WRITE ${include_file} "${section}\n${static_part}")
endif()

# "NAME VERSION" for the page's name and footer, without the git revision (the page text does
# not change with every commit); help2man would otherwise take the desktop app's "Dealscope"
# from its --version for the program name.
execute_process(COMMAND ${name} --version OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} --version failed (${rc})")
endif()
string(REGEX REPLACE "^[^ ]+ ([^ ]+).*" "${name} \\1" version "${version}")

execute_process(COMMAND ${HELP2MAN} --no-info --section=1 --name=${DESCRIPTION} --version-string=${version}
    --include=${include_file} --output=${page} ${name} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man ${name} failed (${rc})")
endif()
# -n: no name or time stamp in the gzip header (reproducible, as Debian asks).
execute_process(COMMAND ${GZIP} -9nf ${page} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${page} failed (${rc})")
endif()
