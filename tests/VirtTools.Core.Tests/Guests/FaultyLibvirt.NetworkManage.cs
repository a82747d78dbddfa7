using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>virNetworkSetAutostart fails on networks this connection defined: the last step of New-VMNetwork.</summary>
    public bool FailNetworkAutostart { get; set; }

    private ILibvirtNetwork WrapNetwork(ILibvirtNetwork n) => new FaultyNetwork(n, this);

    private sealed class FaultyNetwork(ILibvirtNetwork n, FaultyConnection owner) : ILibvirtNetwork
    {
        public string Name => n.Name;
        public bool IsActive => n.IsActive;
        public bool IsPersistent => n.IsPersistent;
        public bool Autostart
        {
            get => n.Autostart;
            set { if (owner.FailNetworkAutostart) throw Injected("virNetworkSetAutostart"); n.Autostart = value; }
        }
        public string GetXml() => n.GetXml();
        public void Start() => n.Start();
        public void Stop() => n.Stop();
        public void Undefine() => n.Undefine();
        public IReadOnlyList<LibvirtNetworkLease> GetDhcpLeases() => n.GetDhcpLeases();
        public void Dispose() => n.Dispose();
    }
}
