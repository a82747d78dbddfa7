namespace VirtTools.Guests;

public sealed partial record GuestSpec
{
    /// <summary>The cloud-init seed ISO: a second read-only CD after <see cref="CdromPath"/>, named in the domain's metadata so -RemoveStorage deletes it.</summary>
    public string? SeedIsoPath { get; init; }
    /// <summary>Drivers for an installer (-DriverMedia): a read-only CD after <see cref="CdromPath"/>, before the seed.</summary>
    public string? DriverMediaPath { get; init; }
}
