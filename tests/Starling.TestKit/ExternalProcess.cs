using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Starling.TestKit;

/// <summary>
/// A program run by a test (a real MQTT client no one here wrote: mosquitto_pub, a paho or MQTT.js script), with
/// its standard output and error captured line by line so the test can wait for a line instead of sleeping. Killed
/// (SIGKILL) on dispose if still running.
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private TaskCompletionSource _changed = NewSignal();
    private bool _stdoutClosed;
    private bool _disposed;

    private ExternalProcess(Process process, string description)
    {
        _process = process;
        Description = description;
    }

    /// <summary>The command line, for failure messages.</summary>
    public string Description { get; }

    /// <summary>The operating system process id.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The standard output lines received so far.</summary>
    public IReadOnlyList<string> StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>The standard error lines received so far.</summary>
    public IReadOnlyList<string> StandardError
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> (passed as they are, no shell).</summary>
    /// <param name="fileName">The program, best as an absolute path.</param>
    /// <param name="arguments">The arguments, each one argv entry.</param>
    /// <param name="workingDirectory">The working directory; the current one when null.</param>
    /// <param name="redirectInput">Opens standard input for <see cref="WriteLineAsync"/> and <see cref="CloseInput"/>.</param>
    /// <param name="environment">Extra environment variables for the process.</param>
    public static ExternalProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, bool redirectInput = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        if (redirectInput)
        {
            info.StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        }

        var process = new Process { StartInfo = info };
        var external = new ExternalProcess(process, $"{fileName} {string.Join(' ', info.ArgumentList)}");
        process.OutputDataReceived += (_, e) => external.OnLine(e.Data, external._stdout, stdout: true);
        process.ErrorDataReceived += (_, e) => external.OnLine(e.Data, external._stderr, stdout: false);
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"{fileName} did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return external;
    }

    /// <summary>
    /// Waits for a standard output line matching <paramref name="predicate"/> (lines already received count) and
    /// returns it; fails at the deadline, or as soon as the output ends without one.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var match = _stdout.Find(predicate.Invoke);
                if (match is not null)
                {
                    return match;
                }

                if (_stdoutClosed)
                {
                    throw new InvalidOperationException($"The output ended without the expected line. {Transcript()}");
                }

                changed = _changed.Task;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for an output line. {Transcript()}");
            }

            try
            {
                await changed.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Checked again at the top, with the transcript in the message.
            }
        }
    }

    /// <summary>Waits for the process to exit and for all its output, and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            // With asynchronous reads this also waits for the end of standard output and standard error.
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for the process to exit. {Transcript()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Writes one line to standard input (needs <c>redirectInput</c>).</summary>
    public async Task WriteLineAsync(string line, CancellationToken cancellationToken = default)
    {
        await _process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes standard input, so a program reading it sees end of file.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Kills the process and its children with SIGKILL: no chance to say goodbye (no DISCONNECT).</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Asks the process to stop with SIGTERM (a graceful shutdown), without waiting.</summary>
    public void Terminate()
    {
        if (!_process.HasExited && SendSignal(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>The command line and everything it printed, for failure messages.</summary>
    public string Transcript()
    {
        lock (_gate)
        {
            return $"Command: {Description}\nstdout:\n{string.Join('\n', _stdout)}\nstderr:\n{string.Join('\n', _stderr)}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A process that will not die is left to the operating system; the test already has its verdict.
        }

        _process.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnLine(string? line, List<string> lines, bool stdout)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (line is null)
            {
                if (stdout)
                {
                    _stdoutClosed = true;
                }
            }
            else
            {
                lines.Add(line);
            }

            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }
}
