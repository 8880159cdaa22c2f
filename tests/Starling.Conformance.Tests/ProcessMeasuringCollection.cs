namespace Starling.Conformance.Tests;

/// <summary>
/// Tests that measure the whole test process (its managed memory, its open file descriptors) run alone: tests running
/// beside them would add to what they measure.
/// </summary>
[CollectionDefinition(nameof(ProcessMeasuringCollection), DisableParallelization = true)]
public sealed class ProcessMeasuringCollection;
