namespace Loom.Cli;

/// <summary>Exit codes of <c>loom</c>, documented in <c>loom --help</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success (for watch and --wait: the run succeeded).</summary>
    public const int Ok = 0;

    /// <summary>The workflow is invalid (locally or as the server judged it), or the watched run failed or was cancelled.</summary>
    public const int Failure = 1;

    /// <summary>Wrong usage: unknown command or option, missing argument, bad value, unreadable file.</summary>
    public const int Usage = 2;

    /// <summary>No answer from the server: connection refused, unknown host, TLS failure or timeout.</summary>
    public const int Unreachable = 3;

    /// <summary>401: no key, or a key the server does not know.</summary>
    public const int Unauthorized = 4;

    /// <summary>403: the key's role (reader, operator, admin) is too low for the command.</summary>
    public const int Forbidden = 5;

    /// <summary>404: no such workflow, run or task.</summary>
    public const int NotFound = 6;

    /// <summary>Another 4xx: the server refused the request (bad parameter, cancelling a finished run, retrying a successful one...).</summary>
    public const int Rejected = 7;

    /// <summary>5xx, or an answer that is not Loom's JSON.</summary>
    public const int ServerError = 8;

    /// <summary>Interrupted with Ctrl+C.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit codes as printed at the end of <c>loom --help</c>.</summary>
    public const string Help = """
        Exit codes:
            0  success (watch, --wait: the run succeeded)
            1  invalid workflow, or the run failed or was cancelled
            2  wrong usage: unknown command or option, bad value, unreadable file
            3  cannot reach the server (refused, unknown host, timeout)
            4  401: no key or a wrong key
            5  403: the key's role is too low
            6  404: no such workflow, run or task
            7  the server refused the request (other 4xx, e.g. cancelling a finished run)
            8  the server failed (5xx) or did not answer like Loom
          130  interrupted (Ctrl+C)
        """;
}
