// Shared fixtures for the UI tests: a catalog as the shell sends it.
import type { Catalog } from '../src/bindings/Catalog';

export const CATALOG: Catalog = {
  models: [
    { id: 'seedance-20', label: 'Seedance 2.0', resolutions: ['480p', '720p', '1080p', '4k'], prompt_max_chars: 10000, min_duration_secs: 4, max_duration_secs: 15, default_duration_secs: 5, max_images: 9, max_videos: 3, max_audios: 3, max_combined_video_secs: 15, max_combined_audio_secs: 15, seed_max: 4294967295 },
    { id: 'seedance2-fast', label: 'Seedance 2.0 Fast', resolutions: ['480p', '720p'], prompt_max_chars: 10000, min_duration_secs: 4, max_duration_secs: 15, default_duration_secs: 5, max_images: 9, max_videos: 3, max_audios: 3, max_combined_video_secs: 15, max_combined_audio_secs: 15, seed_max: 4294967295 },
  ],
  aspect_ratios: ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9'],
};
