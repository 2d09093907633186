"""Reads the editor exports of core/tests/film.rs back through OpenTimelineIO.

Usage: check_exports.py EXPECTED.json

EXPECTED.json names the three files (otio, fcpxml, edl), the sequence's frame rate and
the clips in order: name, file URL, source path, in point and duration in seconds. Each
file must give back the same clips in the same order with the same durations (within
half a frame of the format's timing); the OTIO and EDL readers must also give back each
clip's file. The FCPXML adapter does not read `media-rep` (the only form FCPXML 1.9+
allows), so the files of the FCPXML are checked with ElementTree instead.

Exit status: 0 when everything matches, 1 with the differences printed, 3 when the
opentimelineio package (or an adapter) cannot be imported, with the reason printed.
"""

import json
import sys
import xml.etree.ElementTree as ElementTree

try:
    import opentimelineio as otio
except ImportError as error:
    print(f"SKIP opentimelineio cannot be imported: {error}")
    sys.exit(3)

NEEDED_ADAPTERS = {"otio_json", "fcpx_xml", "cmx_3600"}


def adapters():
    return {adapter.name for adapter in otio.plugins.ActiveManifest().adapters}


def video_clips(result):
    """The clips of the first video track of the (first) timeline in `result`."""
    timeline = result
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = [t for t in result if isinstance(t, otio.schema.Timeline)]
        if not timelines:
            raise AssertionError("no timeline in the file")
        timeline = timelines[0]
    tracks = [t for t in timeline.video_tracks()] or list(timeline.tracks)
    if not tracks:
        raise AssertionError("no video track")
    return [c for c in tracks[0] if isinstance(c, otio.schema.Clip)]


def compare(label, clips, expected, tolerance, check_urls):
    problems = []
    names = [c.name for c in clips]
    want = [e["name"] for e in expected["clips"]]
    if names != want:
        problems.append(f"{label}: clips {names}, expected {want}")
        return problems
    for clip, exp in zip(clips, expected["clips"]):
        got = clip.source_range.duration.to_seconds()
        if abs(got - exp["duration"]) > tolerance:
            problems.append(
                f"{label}: {clip.name} lasts {got:.4f} s, expected {exp['duration']:.4f} s"
            )
        start = clip.source_range.start_time.to_seconds()
        if abs(start - exp["in"]) > tolerance:
            problems.append(f"{label}: {clip.name} starts at {start:.4f} s, expected {exp['in']:.4f} s")
        if check_urls:
            url = getattr(clip.media_reference, "target_url", None)
            if url not in (exp["url"], exp["path"]):
                problems.append(f"{label}: {clip.name} points at {url}, expected {exp['url']}")
    return problems


def fcpxml_sources(path):
    """The media-rep URLs of the storyline's asset-clips, in order."""
    root = ElementTree.parse(path).getroot()
    if root.get("version") not in ("1.9", "1.10"):
        raise AssertionError(f"fcpxml version {root.get('version')}")
    sources = {}
    for asset in root.iter("asset"):
        rep = asset.find("media-rep")
        sources[asset.get("id")] = rep.get("src") if rep is not None else None
    return [sources.get(c.get("ref")) for c in root.iter("asset-clip")]


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        expected = json.load(handle)
    missing = NEEDED_ADAPTERS - adapters()
    if missing:
        print(f"SKIP adapters missing: {sorted(missing)} (pip install opentimelineio-plugins otio-fcpx-xml-adapter)")
        sys.exit(3)
    rate = expected["rate"]
    frame = 1.0 / rate
    problems = []

    timeline = otio.adapters.read_from_file(expected["otio"])
    problems += compare("otio", video_clips(timeline), expected, frame / 2, True)
    audio = [t for t in timeline.audio_tracks()]
    if expected["audio_track"] and not audio:
        problems.append("otio: no audio track")

    fcpxml = otio.adapters.read_from_file(expected["fcpxml"], adapter_name="fcpx_xml")
    # The adapter counts frames at the whole-number rate; a clip of another rate is
    # conformed to the sequence's frames, so one frame is the precision.
    problems += compare("fcpxml", video_clips(fcpxml), expected, frame, False)
    urls = fcpxml_sources(expected["fcpxml"])
    want = [e["url"] for e in expected["clips"]]
    if urls != want:
        problems.append(f"fcpxml: media {urls}, expected {want}")

    edl = otio.adapters.read_from_file(expected["edl"], adapter_name="cmx_3600", rate=rate)
    problems += compare("edl", video_clips(edl), expected, frame, True)

    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"OK {len(expected['clips'])} clips read back from otio, fcpxml and edl")


if __name__ == "__main__":
    main()
