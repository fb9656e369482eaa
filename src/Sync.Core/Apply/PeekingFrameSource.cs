using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>One frame of lookahead, so a chunk the stream carries is taken from it and others from disk.</summary>
internal sealed class PeekingFrameSource
{
    private readonly IDeltaSource _source;
    private DeltaFrame? _peeked;
    private bool _hasPeeked;

    public PeekingFrameSource(IDeltaSource source) => _source = source;

    public async ValueTask<DeltaFrame?> PeekAsync(CancellationToken cancellationToken)
    {
        if (!_hasPeeked)
        {
            _peeked = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
            _hasPeeked = true;
        }

        return _peeked;
    }

    public async ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_hasPeeked)
        {
            _hasPeeked = false;
            var frame = _peeked;
            _peeked = null;
            return frame;
        }

        return await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
    }
}
