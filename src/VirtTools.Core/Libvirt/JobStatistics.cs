namespace VirtTools.Libvirt;

/// <summary>Job statistic names (VIR_DOMAIN_JOB_*).</summary>
public static class JobStatistics
{
    public const string TimeElapsed = "time_elapsed";
    public const string DataTotal = "data_total";
    public const string DataProcessed = "data_processed";
    public const string DataRemaining = "data_remaining";
    public const string MemoryBps = "memory_bps";
    public const string Operation = "operation";
    public const string Downtime = "downtime";
    public const string MemoryIteration = "memory_iteration";
}
