namespace VirtTools.Host;

/// <summary>Loads kernel modules. The live implementation runs modprobe; a simulator registers drivers.</summary>
public interface IModuleLoader
{
    /// <summary>Loads <paramref name="module"/> (and what it depends on). Throws <see cref="VirtToolsException"/> on failure.</summary>
    void Load(string module);
}
