namespace VirtTools;

/// <summary>
/// How a new libvirt network reaches the outside (formatnetwork's &lt;forward mode&gt;): Nat (masqueraded),
/// Isolated (no &lt;forward&gt;: guests and host only), Route (routed, no NAT), Open (routed, libvirt adds no
/// firewall rules), Bridge (an existing host bridge; libvirt manages no addresses).
/// </summary>
public enum NetworkMode { Nat, Isolated, Route, Open, Bridge }
