namespace VirtTools.Guests;

public sealed partial class GuestSpec
{
    /// <summary>The cloud-init seed ISO: a second read-only CD after <see cref="CdromPath"/>, named in the domain's metadata so -RemoveStorage deletes it.</summary>
    public string? SeedIsoPath { get; init; }
}
