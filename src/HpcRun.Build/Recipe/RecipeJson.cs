using System.Text.Json.Serialization;

namespace HpcRun.Build.Recipe;

[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(StageState))]
[JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class RecipeJson : JsonSerializerContext;
