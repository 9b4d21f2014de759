import Foundation
import Testing

/// The public header is usable by anyone with a C or C++ compiler, with every warning an error.
@Suite struct HeaderTests {
    private static let source = #"""
    #include "housekeeper_plugin.h"
    int use_header(void);
    int use_header(void) {
        char text[8] = {0};
        hk_error err = {sizeof(hk_error), sizeof text, text};
        hk_error_set(&err, "a message longer than eight bytes");
        return (int)sizeof(hk_plugin_descriptor) + hk_abi_compatible(HK_ABI_VERSION) + (int)strlen(text);
    }
    """#

    private func compile(_ compiler: String, _ flags: [String], file: String) throws {
        let workspace = try TestWorkspace()
        let path = workspace.scratch + "/" + file
        try Self.source.write(toFile: path, atomically: false, encoding: .utf8)
        try TestWorkspace.run(compiler, flags + ["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only",
                                                 "-I", TestWorkspace.repositoryRoot + "/Sources/PluginABI/include", path])
    }

    @Test func theHeaderCompilesAsC99() throws {
        try compile("/usr/bin/cc", ["-std=c99"], file: "header.c")
    }

    @Test func theHeaderCompilesAsCPlusPlus() throws {
        try compile("/usr/bin/c++", ["-std=c++11"], file: "header.cpp")
    }

    @Test func theCStampPluginBuildsWithNothingButTheHeader() throws {
        let workspace = try TestWorkspace()
        try TestWorkspace.run("/usr/bin/cc", [
            "-std=c99", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
            "-I", TestWorkspace.repositoryRoot + "/Sources/PluginABI/include",
            "-o", workspace.scratch + "/libcstamp.so", TestWorkspace.repositoryRoot + "/Plugins/CStamp/cstamp.c",
        ])
    }
}
