using System.Text.Json;
using System.Text.Json.Nodes;

namespace VirtTools.Integration.GuestRunner;

/// <summary>
/// What the guest observed, scenario by scenario. The guest only records; the host-side tests decide
/// what is right, so a wrong expectation is fixed without rebooting anything. Written after every
/// scenario so a crash or a timeout still leaves the earlier scenarios readable.
/// </summary>
public sealed class Recorder
{
    private readonly JsonObject _root = new();
    private readonly string _path;

    public Recorder(string path) => _path = path;

    public Scenario Begin(string name)
    {
        var node = new JsonObject();
        _root[name] = node;
        return new Scenario(node);
    }

    public void Flush()
    {
        var tmp = _path + ".tmp";
        File.WriteAllText(tmp, _root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, _path, overwrite: true);
    }
}

public sealed class Scenario
{
    private readonly JsonObject _node;
    public Scenario(JsonObject node) => _node = node;

    public void Set(string key, object? value) => _node[key] = JsonSerializer.SerializeToNode(value);
}
