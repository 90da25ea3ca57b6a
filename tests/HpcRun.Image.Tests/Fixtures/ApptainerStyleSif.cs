using System.Text;
using System.Text.Json.Nodes;
using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>A SIF laid out as Apptainer builds one: a definition file, a labels object, the JSON
/// objects inspect-metadata.json and oci-config.json, and /.singularity.d/ inside the partition. Its test script is in
/// the metadata (as `test`) and, as another text, in the partition: Apptainer's inspect reads the metadata.</summary>
public static class ApptainerStyleSif
{
    public const string Runscript = "#!/bin/sh\necho \"runscript says $GREETING\"\n";
    public const string Definition =
        "Bootstrap: docker\nFrom: busybox\n\n%runscript\n    echo \"runscript says $GREETING\"\n";

    public const string Test = "#!/bin/sh\n\necho \"tested $*\"\n";

    public const string Environment = "#!/bin/sh\nexport LANG=\"C.UTF-8\"\nexport DERIVED=\"$HOME/x\"\n";

    public static string Write(string path, string busyboxTree, string scratch)
    {
        string tree = Path.Combine(scratch, "apptainer-tree");
        TestEnvironment.RunChecked("cp", "-a", busyboxTree, tree);
        Directory.CreateDirectory(Path.Combine(tree, ".singularity.d"));
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "runscript"), Runscript);
        File.SetUnixFileMode(Path.Combine(tree, ".singularity.d", "runscript"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(tree, ".singularity.d", "env"));
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "env", "90-environment.sh"), Environment);
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "test"), "#!/bin/sh\necho in the partition\n");
        TestEnvironment.RunChecked("mksquashfs", tree, path, "-noappend", "-quiet", "-no-progress", "-all-root",
            "-offset", $"{SifWriter.PartitionOffset}");
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        SifWriter.Complete(file, file.Length - SifWriter.PartitionOffset, "02", 1700000000,
        [
            new(SifDataType.Deffile, "", Encoding.UTF8.GetBytes(Definition)),
            new(SifDataType.Labels, "", """{"org.label-schema.schema-version":"1.0"}"""u8.ToArray()),
            new(SifDataType.GenericJson, "inspect-metadata.json", Encoding.UTF8.GetBytes(new JsonObject
            {
                ["type"] = "container",
                ["data"] = new JsonObject
                {
                    ["attributes"] = new JsonObject
                    {
                        ["labels"] = new JsonObject { ["org.example.author"] = "apptainer" },
                        ["runscript"] = Runscript,
                        ["test"] = Test,
                        ["environment"] = new JsonObject
                        {
                            ["/.singularity.d/env/90-environment.sh"] = Environment,
                        },
                    },
                },
            }.ToJsonString())),
            new(SifDataType.GenericJson, "oci-config.json",
                """{"Env":["GREETING=from oci-config"],"Cmd":["/bin/sh"]}"""u8.ToArray()),
        ]);
        return path;
    }
}
