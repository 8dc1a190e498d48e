namespace InsightPulse.Core.Bootstrap;

/// <summary>How bad a doctor finding is: <c>ok</c> (checked, fine), <c>warn</c> (works, but fix it), <c>error</c> (broken or unsafe).</summary>
public enum DoctorLevel
{
    Ok,
    Warn,
    Error,
}
