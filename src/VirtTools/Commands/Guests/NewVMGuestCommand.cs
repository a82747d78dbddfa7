using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Defines (and optionally starts) a libvirt guest: KVM/QEMU FV, Xen PV, PVHVM or FV.</summary>
[Cmdlet(VerbsCommon.New, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Define", HelpUri = VirtToolsCmdlet.HelpBase + "New-VMGuest.md")]
[OutputType(typeof(VMGuest), ParameterSetName = ["Define"])]
[OutputType(typeof(string), ParameterSetName = ["XmlOnly"])]
public sealed partial class NewVMGuestCommand : PipedGuestCmdletBase
{
    private readonly List<string> _devices = new();
    private readonly Dictionary<ILibvirtConnection, GuestCreator> _creators = new();
    private bool _nameFixed;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Guest memory in bytes (2GB, 512MB). Default 2 GiB.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(64L << 20, long.MaxValue)]
    public long MemoryBytes { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 4096)]
    public int ProcessorCount { get; set; }

    [Parameter]
    public GuestHypervisor Hypervisor { get; set; }

    [Parameter]
    public GuestMode Mode { get; set; }

    [Parameter]
    public GuestFirmware Firmware { get; set; }

    [Parameter]
    public SwitchParameter SecureBoot { get; set; }

    /// <summary>Existing images to attach (never written by New-VMGuest).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? DiskPath { get; set; }

    /// <summary>Create a qcow2 volume of this size in -StoragePool as the first disk.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1L << 20, long.MaxValue)]
    public long NewDiskSizeBytes { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string StoragePool { get; set; } = "default";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CdromPath { get; set; }

    /// <summary>A libvirt network (virsh net-list).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Network { get; set; }

    /// <summary>A host bridge (br0).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Bridge { get; set; }

    /// <summary>No NIC; without it (and without -Network/-Bridge) the guest gets one on 'default' when that network is active.</summary>
    [Parameter]
    public SwitchParameter NoNetwork { get; set; }

    /// <summary>No VNC framebuffer, video or tablet: the console only (a Xen Dom0 without Xen's qemu cannot serve a PV framebuffer).</summary>
    [Parameter]
    public SwitchParameter NoGraphics { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kernel { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Initrd { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KernelArguments { get; set; }

    /// <summary>PCI devices to pass through: PciDevice objects (piped from Get-PciDevice) or addresses.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Address")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public string[]? HostDevice { get; set; }

    /// <summary>Assign a host device the host-usage guard protects (the host's own disk or NIC) anyway.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter(ParameterSetName = "Define")]
    public SwitchParameter Start { get; set; }

    /// <summary>Return the domain XML and define nothing (virt-install --print-xml).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "XmlOnly")]
    public SwitchParameter XmlOnly { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        // -Name on the command line with piped PciDevices: one guest with all of them, made at the end.
        // Names from the pipeline: one guest per record.
        _nameFixed = MyInvocation.BoundParameters.ContainsKey(nameof(Name)) && MyInvocation.ExpectingInput;
    }

    protected override void ProcessRecord()
    {
        if (PipedGuest is { } owner)
        {
            // A piped snapshot (or any object of an existing guest) names no guest to create.
            WriteError(new VirtToolsException("InputBelongsToGuest", FailureKind.InvalidArgument,
                $"The piped object belongs to the existing guest '{owner}'; New-VMGuest takes the name of a guest to create. Nothing was created.",
                owner, "Pipe objects with a Name for a new guest (or give -Name), not a guest's snapshots."), owner);
            return;
        }
        if (_nameFixed)
        {
            if (HostDevice is { } h) _devices.AddRange(h);
            return;
        }
        CreateOne(HostDevice ?? Array.Empty<string>());
    }

    protected override void EndProcessing()
    {
        if (_nameFixed) CreateOne(_devices.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
        base.EndProcessing();
    }

    private void CreateOne(IReadOnlyList<string> devices)
    {
        var c = Connection();
        var bound = MyInvocation.BoundParameters;
        Provisioning.CloudInitRequest? cloudInit;
        try { cloudInit = CloudInitRequest(); }
        catch (VirtToolsException e) { WriteError(e, Name); return; }
        var request = new GuestRequest
        {
            Name = Name,
            MemoryBytes = MemoryBytes > 0 ? MemoryBytes : null,
            ProcessorCount = ProcessorCount > 0 ? ProcessorCount : null,
            Hypervisor = bound.ContainsKey(nameof(Hypervisor)) ? Hypervisor : null,
            Mode = bound.ContainsKey(nameof(Mode)) ? Mode : null,
            Firmware = bound.ContainsKey(nameof(Firmware)) ? Firmware : null,
            SecureBoot = SecureBoot,
            DiskPaths = DiskPath ?? Array.Empty<string>(),
            NewDiskSizeBytes = NewDiskSizeBytes > 0 ? NewDiskSizeBytes : null,
            StoragePool = StoragePool,
            CdromPath = CdromPath,
            Network = Network,
            Bridge = Bridge,
            Kernel = Kernel,
            Initrd = Initrd,
            KernelArguments = KernelArguments,
            HostDevices = devices,
            Force = Force,
            NoNetwork = NoNetwork,
            NoGraphics = NoGraphics,
            BaseImage = BaseImageSpec(),
            CopyBaseImage = CopyBaseImage,
            CloudInit = cloudInit,
            InstallSource = InstallSourceSpec(),
            DriverMedia = DriverMedia,
        };
        if (!_creators.TryGetValue(c, out var creator)) _creators[c] = creator = new GuestCreator(c, HostContext);
        GuestPlan plan;
        try { plan = creator.Plan(request); }
        catch (VirtToolsException e) { WriteError(e, Name); return; }
        foreach (var w in plan.Warnings) WriteWarning(w);
        if (XmlOnly)
        {
            // As virt-install --print-xml: the install boot's XML first, then the definition's.
            if (plan.Install is { } boot) WriteObject(boot.BootXmlFor(null));
            WriteObject(plan.Xml);
            return;
        }
        var action = (Start ? "Create and start: " : "Create: ") + plan.Describe();
        if (!ShouldProcess($"guest '{Name}' on {c.Uri}", action)) return;
        try
        {
            using var d = creator.Create(plan, Start);
            foreach (var w in plan.CreateWarnings) WriteWarning(w);
            WriteObject(ToGuest(d, c));
        }
        catch (VirtToolsException e) { WriteError(e, Name); }
    }
}
