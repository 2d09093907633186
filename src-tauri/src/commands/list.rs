// The app's commands: the one list that the handler, the build script's permissions
// (`allow-<command>`), the TypeScript functions of `ui/src/bindings/commands.ts` and the
// checks of the capability file, the reviewed permissions and the end-to-end call list all
// come from. `commands/mod.rs` and `build.rs` both include this file, so it holds nothing
// but the macro (and plain comments: an included file cannot open with `//!`).
//
// One entry per command, under the module that implements it:
//
//     name: sync|async [injected] (argument: Type, …) -> Answer;
//
// `injected` is what Tauri hands the command, never the webview (`app`: the AppHandle,
// `state`: the AppState), in the order the function takes them, before its arguments.
// Arguments cross as camelCase JSON keys; every command answers `IpcResult<Answer>`. The
// doc comments become the TypeScript functions' docs. A command added here is refused
// by the window until `capabilities/main-window.json` grants it and
// `tests/webview_config.rs` lists it as reviewed.
macro_rules! with_app_commands {
    ($then:ident) => {
        $then! {
            key {
                /// What the UI may know about the key: never the key, at most its last four.
                key_status: async [state] () -> KeyStatus;
                /// Saves the key in the OS keychain. Rejects with `keychain_unavailable` when
                /// there is none; the UI then offers `keySetSessionOnly`.
                key_set: async [state] (key: String) -> KeyStatus;
                /// Keeps the key in memory until the app quits.
                key_set_session_only: async [state] (key: String) -> KeyStatus;
                /// Removes the key from the store in use.
                key_clear: async [state] () -> KeyStatus;
                /// Asks the service whether the saved key works.
                key_test: async [state] () -> KeyCheck;
                /// A made-up key for this session, only while the API address points at
                /// this computer (the fake service): the demo never spends real credits.
                key_use_demo: async [state] () -> KeyStatus;
            }
            settings {
                /// The preferences with what is in effect and why.
                settings_get: sync [state] () -> SettingsView;
                /// Checks and saves the preferences; the engine restarts when the API
                /// address or a cap changed. `not_allowed` when the library folder differs
                /// (only the picker or `SEEDANCE_LIBRARY_DIR` change it) or when an address
                /// other than the documented services or this computer was not confirmed
                /// in the native dialog this asks in.
                settings_set: async [app, state] (preferences: Preferences) -> SettingsView;
                /// Opens a folder picker for the library; the unchanged settings when
                /// cancelled.
                settings_pick_library_dir: async [app, state] () -> SettingsView;
            }
            compose {
                /// Models, their limits, aspect ratios and the state groups, from the core.
                catalog: sync [] () -> Catalog;
                /// Problems, warnings and the price of a draft, and whether the spending cap
                /// would refuse it now; nothing is sent or stored.
                compose_check: async [state] (draft: Draft, takes: u32) -> ComposeCheck;
            }
            tasks {
                /// Queues a generation; it is sent as soon as a slot is free. Answers once the
                /// task is recorded. The same draft sent again within seconds rejects with
                /// `duplicate_draft` (its message says when and what a second take costs)
                /// unless `second_take` is true. A local file that was not dropped, picked or
                /// loaded from the history rejects with `not_allowed`; nothing is sent.
                tasks_submit: async [app, state] (draft: Draft, second_take: Option<bool>) -> TaskView;
                /// Tasks still moving, waiting for a decision or being saved, oldest first.
                tasks_in_flight: async [state] () -> Vec<TaskView>;
                /// The engine as a window that starts watching needs it: the service in
                /// use, the key as the engine sees it, sends a stop still waits for.
                engine_status: sync [state] () -> EngineStatusView;
                /// One task in full: guidance, timing and queue position included.
                task_get: async [state] (id: TaskId) -> TaskView;
                /// Sends a failed task's request again as a new task. Confirming is needed
                /// when the first one may already have been charged.
                tasks_retry: async [state] (id: TaskId, confirm_may_charge_twice: Option<bool>) -> TaskView;
                /// Withdraws a task still waiting in the local queue.
                tasks_cancel: async [state] (id: TaskId) -> ();
                /// Tries again to put a finished video in the library after a
                /// `download_failed` event; the outcome arrives as events. `not_allowed`
                /// when the task is not waiting for its files.
                tasks_download_again: async [state] (id: TaskId) -> ();
                /// The creator's decision on a submission of unknown outcome; the new task
                /// when it was sent again.
                tasks_resolve_unknown: async [state] (id: TaskId, choice: UnknownSubmissionChoice) -> Option<TaskView>;
                /// Moves a queued task made for another service to the one in use. Without
                /// `confirm` nothing changes and the answer is the quote (from, to, cost);
                /// with it the task is moved and sent in its turn.
                tasks_retarget: async [state] (id: TaskId, confirm: bool) -> RetargetView;
                /// Dismisses a stuck task: no longer polled nor counted as in progress; it
                /// keeps its task id and can be checked again.
                tasks_dismiss: async [state] (id: TaskId) -> ();
                /// Asks the service about a task it said it did not know (or a dismissed
                /// one) again now. Never resubmits anything.
                tasks_check_again: async [state] (id: TaskId) -> ();
            }
            references {
                /// Inspects files given by path, in order: only files dropped on the window
                /// or chosen in the picker (or under `SEEDANCE_REFERENCE_DIR`); any other
                /// path rejects the call with `not_allowed` and nothing is read.
                references_add_paths: async [app] (paths: Vec<String>) -> Vec<InspectedReference>;
                /// Opens the file picker and inspects what was chosen.
                references_pick: async [app] () -> Vec<InspectedReference>;
            }
            gallery {
                /// One page of the history, newest first.
                gallery_list: async [state] (query: GalleryQuery) -> GalleryPage;
                /// Shows the video in the system file manager.
                gallery_reveal: async [app, state] (id: TaskId) -> ();
                /// Asks where to save a copy of the video; the saved path, or null when
                /// cancelled.
                gallery_save_as: async [app, state] (id: TaskId) -> Option<String>;
                /// Opens the service's result URL in the browser; https only.
                gallery_open_url: async [app, state] (id: TaskId) -> ();
                /// Removes the task from the history; the video stays in the library. A
                /// finished video not in the library yet rejects with `needs_confirmation`
                /// unless `confirm_not_saved` (the task holds the only copy of its address).
                gallery_delete: async [state] (id: TaskId, confirm_not_saved: Option<bool>) -> ();
                /// The task's request as a new draft.
                gallery_remix: async [app, state] (id: TaskId) -> Draft;
                /// A new draft that starts from the video's last frame.
                gallery_continue: async [app, state] (id: TaskId) -> Draft;
            }
            window {
                /// Closes the app after the close question: the engine finishes sending
                /// what is on the wire ("finishing sending N tasks"), then the app exits.
                app_close: sync [app] () -> ();
                /// Keeps working after the close question; the next close asks again.
                app_keep_open: sync [app] () -> ();
            }
            history {
                /// Saved prompts and snippets whose name or text has every word of the query.
                prompts_list: async [state] (query: String) -> Vec<SavedPromptView>;
                /// Saves a prompt or snippet under a name; `replace` overwrites that name.
                prompts_save: async [state] (name: String, kind: SavedPromptKind, text: String, replace: bool) -> SavedPromptView;
                /// Removes a saved prompt; false when there was none of that name.
                prompts_delete: async [state] (name: String) -> bool;
                /// Prompts of past tasks with every word of the query, newest first.
                prompts_past: async [state] (query: String) -> Vec<PastPromptView>;
                /// Asks where to write the prompt library; the path, or null when cancelled.
                prompts_export: async [app, state] () -> Option<String>;
                /// Asks for an exported prompt file and adds its prompts; null when cancelled.
                prompts_import: async [app, state] () -> Option<PromptImportView>;
                /// Credits per day and model over the last `days` days (1 to 366).
                spend_history: async [state] (days: u32, utc_offset_minutes: i32) -> SpendView;
                /// Asks where to save the spend history as CSV; the path, or null.
                spend_export_csv: async [app, state] (days: u32, utc_offset_minutes: i32) -> Option<String>;
            }
            sequences {
                /// The sequences, most recently changed first.
                sequences_list: async [state] () -> Vec<SequenceSummaryView>;
                /// One sequence with its shots, their takes and its films.
                sequence_get: async [state] (id: SequenceId) -> SequenceView;
                /// A new, empty sequence.
                sequences_create: async [state] (name: String) -> SequenceView;
                sequences_rename: async [state] (id: SequenceId, name: String) -> SequenceView;
                /// Removes the sequence; its takes stay in the history, its films in the
                /// library.
                sequences_delete: async [state] (id: SequenceId) -> ();
                /// Adds a shot at `position` (1-based; null: last).
                sequences_add_shot: async [state] (id: SequenceId, shot: ShotInput, position: Option<u32>) -> SequenceView;
                /// Replaces a shot's prompt, model, length and link; its takes stay.
                sequences_edit_shot: async [state] (shot_id: ShotId, shot: ShotInput) -> SequenceView;
                /// Removes a shot; its takes stay in the history.
                sequences_remove_shot: async [state] (shot_id: ShotId) -> SequenceView;
                /// Moves a shot to `position` (1-based).
                sequences_move_shot: async [state] (shot_id: ShotId, position: u32) -> SequenceView;
                /// The take the film uses for a shot (null: the first finished one).
                sequences_choose_take: async [state] (shot_id: ShotId, task: Option<TaskId>) -> SequenceView;
                /// What "generate all" will pay; nothing is sent.
                sequences_quote: async [state] (id: SequenceId) -> SequenceQuoteView;
                /// Sends every shot that can be sent, each after the take it follows, and
                /// answers when nothing more can be sent. Refused, with nothing sent, when
                /// the total is over `confirmed_credits` or the spending cap.
                sequences_generate: async [app, state] (id: SequenceId, confirmed_credits: f64) -> Vec<ShotReportView>;
                /// Stops waiting for takes to follow; what was sent goes on.
                sequences_generate_stop: async [] (id: SequenceId) -> bool;
                /// Joins the film takes into the library's `films` folder; progress comes
                /// as `sequence-stitch-progress` events.
                sequences_stitch: async [app, state] (id: SequenceId) -> StitchedFilmView;
                /// Stops a stitch without leaving a partial file.
                sequences_stitch_cancel: async [] (id: SequenceId) -> bool;
                /// Asks for a folder and writes the sequence there for editors (.otio,
                /// .fcpxml, .edl); the files, or null when cancelled.
                sequences_export: async [app, state] (id: SequenceId) -> Option<Vec<String>>;
            }
            takes {
                /// Queues `takes` (1 to 4) tasks from one draft, each with its own seed, as
                /// one take group; answers once all are recorded. The spending cap counts
                /// all of them. The same draft asked for again within seconds rejects with
                /// `duplicate_draft` (its message says what more takes cost) unless
                /// `second_take` is true. Nothing is recorded or sent on a refusal.
                tasks_submit_takes: async [app, state] (draft: Draft, takes: u32, second_take: Option<bool>) -> Vec<TaskView>;
                /// Stars (keeps) or rejects a task; `null` clears the verdict.
                task_set_verdict: async [state] (id: TaskId, verdict: Option<TakeVerdict>) -> TaskView;
                /// The takes made with task `id` from one request, in order (it included);
                /// empty when it was made alone.
                task_takes: async [state] (id: TaskId) -> Vec<TaskView>;
                /// Task `id`'s request as a draft, to compare two tasks; no file of it
                /// becomes usable for a new draft by this.
                task_request: async [state] (id: TaskId) -> Draft;
                /// A task's support packet: the text to copy (no key; addresses redacted)
                /// and whether the task is failed, stuck, unknown or mismatched.
                support_packet: async [state] (id: TaskId) -> SupportPacketView;
                /// Asks where to save the task's support packet as JSON; the path, or null
                /// when cancelled.
                support_packet_save: async [app, state] (id: TaskId) -> Option<String>;
            }
            extend {
                /// What extending (`seconds` of new footage) or editing finished task `id`
                /// reserves now and settles at after success; nothing is sent.
                extend_quote: async [state] (id: TaskId, change: ClipChange, prompt: String, seconds: u32) -> ClipChangeQuote;
                /// Sends the extension or edit of task `id`, linked to it in the history.
                /// Refused, with nothing sent, when it settles at more than
                /// `confirmed_credits`.
                extend_submit: async [state] (id: TaskId, change: ClipChange, prompt: String, seconds: u32, confirmed_credits: f64) -> TaskView;
                /// Joins extension `id`'s source and new footage into one file in the
                /// library and records it with the extension; its path.
                extend_join: async [state] (id: TaskId) -> String;
                /// The clips made from finished task `id` (extensions, edits, clips
                /// continued from its last frame), oldest first; nothing is sent.
                extend_made_from: async [state] (id: TaskId) -> Vec<MadeFromClip>;
                /// Opens the task's video (or its joined clip) in the system player, for
                /// results the window cannot play.
                open_in_player: async [app, state] (id: TaskId, joined: bool) -> ();
            }
            account {
                /// Opens the service's site in the browser, where credits are added. The
                /// shell picks the page from the API address in use; `not_allowed` against
                /// the demo service.
                account_add_credits: sync [app, state] () -> ();
            }
            demo {
                /// Leaves the demo for the creator's own key on the real address
                /// (`use_demo` false: the system keychain's key, the demo's tasks kept as
                /// made for another service) or comes back to it; the settings in effect.
                /// `not_allowed` in a run not started as the demo.
                demo_switch: async [state] (use_demo: bool) -> SettingsView;
                /// The demo's pretend balance from its own service; `null` outside the
                /// demo (the real service has no balance call).
                demo_balance: async [state] () -> Option<f64>;
            }
        }
    };
}

// The names alone, in the list's order (for the build script's permissions).
macro_rules! app_command_names {
    ($(
        $module:ident {$(
            $(#[doc = $doc:literal])*
            $name:ident : $kind:ident [$($injected:ident),*]
                ($($arg:ident : $arg_ty:ty),*) -> $answer:ty;
        )*}
    )*) => {
        &[$($(stringify!($name),)*)*]
    };
}
