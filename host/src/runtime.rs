//! The wasmtime side: engine, compiled component, pre-instantiation, and a fresh Store per call.
//!
//! The component is compiled and linked once ([`Runtime::new`]). Every HTTP request and every
//! typed call gets a new `Store` and instance from the pooling allocator, with a memory cap
//! and a deadline, and nothing else: no files, environment, arguments or network. A trap,
//! a missed deadline or memory exhaustion ends that call only; its Store is dropped, never
//! reused.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use hyper::body::{Body, Bytes};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use wasmtime::component::{Component, Instance, InstancePre, Linker, ResourceTable};
use wasmtime::{
    Cache, CacheConfig, Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ResourceLimiter,
    Store, StoreLimits, StoreLimitsBuilder, Trap, UpdateDeadline,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::bindings::exports::roster::iam::{accounts, auth, maintenance, roles, transfer, users};
use crate::bindings::roster::iam::types::Error;
use crate::bindings::roster::iam::{crypto, outbox, settings, store};
use crate::clock::ShiftedClock;
use crate::config::{ComponentSource, ConfigError, Rules, ServeConfig};
use crate::hashing::{HashError, Hasher};
use crate::imports::crypto::{CryptoImports, CryptoView};
use crate::imports::settings::{SettingsImports, SettingsView};
use crate::imports::store::{StoreCtx, StoreImports, StoreView};
use crate::metrics::{RuntimeMetrics, TrapKind};
use crate::storage::{Storage, StorageError};

/// The component built from `guest/` together with this host (see `build.rs`).
pub static EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("ROSTER_GUEST_WASM"));

/// How often the epoch advances; the granularity of deadlines and of guest time slices.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// How long a call waits for a free instance slot before it is refused as overloaded: long
/// enough to ride out a burst, short enough that a client told to retry hears so at once
/// instead of waiting out its deadline.
pub const SLOT_WAIT: Duration = Duration::from_millis(100);

/// Core instances, tables and memories one component may hold. wit-component wraps the
/// guest's module in shim and fixup modules, so one component is several core instances and
/// tables; these leave room for that and for a differently built guest.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const TABLES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 2;

/// Bytes of each pooled memory and table that are reset in place when an instance ends,
/// rather than given back to the kernel (see `engine`).
const KEEP_RESIDENT: usize = 16 * 1024 * 1024;

/// An error boxed for `source()` chains; wasmtime's own error type is not a `std` error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data directory or its cache directory could not be created.
    #[error("cannot prepare directory {path}")]
    Directory {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// wasmtime rejected the engine configuration.
    #[error("cannot configure wasmtime")]
    Engine(#[source] BoxError),
    /// The component file could not be read.
    #[error("cannot read component {path}")]
    ReadComponent {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a valid component for this wasmtime.
    #[error("cannot compile the component")]
    Compile(#[source] BoxError),
    /// The component's imports or exports do not match what this host provides and expects.
    #[error("the component does not fit this host")]
    Link(#[source] BoxError),
    /// The database could not be opened.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The hashing pool could not be created.
    #[error(transparent)]
    Hashing(#[from] HashError),
}

/// Why one call into the component failed. The text is for logs; clients get
/// [`crate::problem::for_call_error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The call ran past its deadline and was stopped.
    #[error("the call missed its deadline")]
    DeadlineExceeded,
    /// Every instance slot stayed busy for [`SLOT_WAIT`] (or until the deadline, if sooner).
    #[error("no instance slot came free in time")]
    Overloaded,
    /// The guest wanted more memory than its cap and trapped.
    #[error("the component ran out of memory")]
    OutOfMemory(#[source] BoxError),
    /// The guest trapped, or the host failed to run it.
    #[error("the component trapped")]
    Trap(#[source] BoxError),
    /// The guest finished without setting a response.
    #[error("the component returned no response")]
    NoResponse,
    /// The guest set an error instead of a response.
    #[error("the component answered with error code {0:?}")]
    ErrorResponse(ErrorCode),
    /// What the guest read could not be made durable, so its answer was withheld.
    #[error("the store could not make the data the answer rests on durable")]
    Storage(#[source] StorageError),
}

/// The outcome of one typed call: the host's verdict (trap, deadline, overload) around the
/// component's own result (`not_found`, …).
pub type Outcome<T> = Result<Result<T, Error>, CallError>;

/// The compiled component and everything shared by its instances.
pub struct Runtime {
    engine: Engine,
    proxy_pre: ProxyPre<RequestState>,
    instance_pre: InstancePre<RequestState>,
    exports: Exports,
    storage: Storage,
    hasher: Hasher,
    rules: Rules,
    /// The component's wall clock.
    clock: ShiftedClock,
    slots: Arc<Semaphore>,
    request_deadline: Duration,
    memory_cap: usize,
    metrics: RuntimeMetrics,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("storage", &self.storage)
            .field("request_deadline", &self.request_deadline)
            .field("memory_cap", &self.memory_cap)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Validate `config`, create the data directory, open the database and compile the
    /// component (or load it from `<data-dir>/cache`). Blocks: call it from a blocking thread
    /// when on an async runtime.
    pub fn open(config: &ServeConfig) -> Result<Runtime, RuntimeError> {
        config.validate()?;
        create_dir(&config.data_dir)?;
        let storage = Storage::open_with_cache(&config.data_dir, config.store_cache)?;
        let hasher = Hasher::new(config.argon2)?;
        Runtime::new(config, storage, hasher)
    }

    /// Build the engine, compile and link the component, on an open `storage`. Blocks.
    pub fn new(config: &ServeConfig, storage: Storage, hasher: Hasher) -> Result<Runtime, RuntimeError> {
        config.validate()?;
        let engine = engine(config)?;
        let component = match &config.component {
            ComponentSource::Embedded => Component::new(&engine, EMBEDDED_COMPONENT),
            ComponentSource::File(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|source| RuntimeError::ReadComponent { path: path.display().to_string(), source })?;
                Component::new(&engine, bytes)
            }
        }
        .map_err(|e| RuntimeError::Compile(e.into_boxed_dyn_error()))?;

        let mut linker = Linker::<RequestState>::new(&engine);
        let link = |linker: &mut Linker<RequestState>| -> wasmtime::Result<()> {
            wasmtime_wasi::p2::add_to_linker_async(linker)?;
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
            store::add_to_linker::<_, StoreImports>(linker, RequestState::store_view)?;
            crypto::add_to_linker::<_, CryptoImports>(linker, RequestState::crypto_view)?;
            settings::add_to_linker::<_, SettingsImports>(linker, RequestState::settings_view)?;
            // The outbox writes through the store's transactions, so it shares its view.
            outbox::add_to_linker::<_, StoreImports>(linker, RequestState::store_view)?;
            Ok(())
        };
        link(&mut linker).map_err(|e| RuntimeError::Link(e.into_boxed_dyn_error()))?;
        let pre = linker.instantiate_pre(&component).map_err(|e| RuntimeError::Link(e.into_boxed_dyn_error()))?;
        let proxy_pre = ProxyPre::new(pre.clone()).map_err(|e| RuntimeError::Link(e.into_boxed_dyn_error()))?;
        let exports = Exports::new(&pre).map_err(|e| RuntimeError::Link(e.into_boxed_dyn_error()))?;

        start_epoch_ticker(&engine);
        Ok(Runtime {
            engine,
            proxy_pre,
            instance_pre: pre,
            exports,
            storage,
            hasher,
            rules: config.rules,
            clock: ShiftedClock { offset_seconds: config.clock_offset_seconds },
            slots: Arc::new(Semaphore::new(config.max_instances as usize)),
            request_deadline: config.request_deadline,
            memory_cap: config.memory_cap,
            metrics: RuntimeMetrics::default(),
        })
    }

    /// Where the typed interfaces' functions are, for the per-interface wrappers.
    pub(crate) fn exports(&self) -> &Exports {
        &self.exports
    }

    /// The database this runtime serves from.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The password hasher the component's `roster:iam/crypto` uses.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// The runtime's instruments: instantiation times and calls that ended early.
    pub fn metrics(&self) -> &RuntimeMetrics {
        &self.metrics
    }

    /// Drop the compiled component and close the database (if no Store still uses it).
    /// Blocks.
    pub fn close(self) -> Result<(), StorageError> {
        let storage = self.storage.clone();
        drop(self);
        storage.close()
    }

    /// How long one call may take.
    pub fn request_deadline(&self) -> Duration {
        self.request_deadline
    }

    /// Serve one HTTP request with a fresh instance of the component, which must answer
    /// before `deadline`. The response body may still stream from the instance afterwards.
    pub async fn handle_http<B>(
        &self,
        request: hyper::Request<B>,
        deadline: Instant,
    ) -> Result<hyper::Response<HyperOutgoingBody>, CallError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let mut guest = self.new_store(deadline).await?;
        let (sender, receiver) = oneshot::channel();
        let http = &mut guest.store.data_mut().http();
        let request =
            http.new_incoming_request(Scheme::Http, request).map_err(|e| CallError::Trap(e.into_boxed_dyn_error()))?;
        let response_out = http.new_response_outparam(sender).map_err(|e| CallError::Trap(e.into_boxed_dyn_error()))?;
        let pre = self.proxy_pre.clone();
        let metrics = self.metrics.clone();
        let horizon = guest.store.data().store.horizon();

        // The instance runs in its own task so that it can go on streaming the body after
        // the head is returned, and so that a deadline here does not wait for it.
        let task = tokio::spawn(async move {
            let store = &mut guest.store;
            let result = async {
                let started = Instant::now();
                let proxy = pre.instantiate_async(&mut *store).await?;
                metrics.observe_instantiation(started.elapsed());
                proxy.wasi_http_incoming_handler().call_handle(&mut *store, request, response_out).await
            }
            .await
            .map_err(|error| classify(error, store));
            drop(guest);
            if let Err(error) = &result {
                count_failure(&metrics, error);
                tracing::error!(error = ?error, "component failed while handling a request");
            }
            result
        });

        let answered = async {
            let response = receiver.await;
            // The guest has done all its reading before it sets the response.
            if let Ok(Ok(_)) = &response {
                self.settle(&horizon).await?;
            }
            Ok::<_, CallError>(response)
        };
        match tokio::time::timeout_at(deadline.into(), answered).await {
            Ok(Err(error)) => Err(error),
            Ok(Ok(Ok(Ok(response)))) => Ok(response),
            Ok(Ok(Ok(Err(code)))) => Err(CallError::ErrorResponse(code)),
            // The outparam was dropped with the Store: the task has ended.
            Ok(Ok(Err(_))) => match task.await {
                Ok(Ok(())) => Err(CallError::NoResponse),
                // The task counted its own failure.
                Ok(Err(error)) => Err(error),
                Err(join) => {
                    self.metrics.count_trap(TrapKind::Trap);
                    Err(CallError::Trap(Box::new(join)))
                }
            },
            Err(_elapsed) => {
                task.abort();
                // A task stopped before it saw its own deadline trap counts nothing itself.
                // Waiting for it also frees its instance slot before the client hears back.
                if task.await.is_err_and(|join| join.is_cancelled()) {
                    self.metrics.count_trap(TrapKind::Deadline);
                }
                Err(CallError::DeadlineExceeded)
            }
        }
    }

    /// Run `call` on a fresh instance of the component's typed exports, within the request
    /// deadline. The outer `Result` is the host's verdict (trap, deadline, overload); the
    /// call's own result, including the guest's domain errors, is inside.
    ///
    /// [`crate::users::Users`] and [`crate::auth::Auth`] have one method per exported function.
    pub async fn call<R>(
        &self,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Instance) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        self.call_within(self.request_deadline, call).await
    }

    /// [`Runtime::call`] with a deadline of its own instead of the request deadline, for
    /// calls that are not requests, such as the bootstrap at start-up.
    pub async fn call_within<R>(
        &self,
        deadline: Duration,
        call: impl AsyncFnOnce(&mut Store<RequestState>, &Instance) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let deadline = Instant::now() + deadline;
        let mut guest = self.new_store(deadline).await?;
        let store = &mut guest.store;
        let horizon = store.data().store.horizon();
        // The outer result is the guest's (a trap), the inner one the host's.
        let run = async {
            let started = Instant::now();
            let instance = self.instance_pre.instantiate_async(&mut *store).await?;
            self.metrics.observe_instantiation(started.elapsed());
            let value = call(&mut *store, &instance).await?;
            Ok::<_, wasmtime::Error>(self.settle(&horizon).await.map(|()| value))
        };
        let result = match tokio::time::timeout_at(deadline.into(), run).await {
            Ok(Ok(result)) => result,
            Ok(Err(error)) => Err(classify(error, store)),
            Err(_elapsed) => Err(CallError::DeadlineExceeded),
        };
        if let Err(error) = &result {
            count_failure(&self.metrics, error);
        }
        result
    }

    /// Wait until the last commit an instance could see, its `horizon`, is durable: nothing
    /// it answers may leave the host before that.
    async fn settle(&self, horizon: &AtomicU64) -> Result<(), CallError> {
        self.storage.wait_durable(horizon.load(Ordering::SeqCst)).await.map_err(CallError::Storage)
    }

    /// Wait (for at most [`SLOT_WAIT`], and not past `deadline`) for an instance slot, then
    /// make a fresh Store in it.
    async fn new_store(&self, deadline: Instant) -> Result<SlottedStore, CallError> {
        let give_up = deadline.min(Instant::now() + SLOT_WAIT);
        let slot = match tokio::time::timeout_at(give_up.into(), self.slots.clone().acquire_owned()).await {
            Ok(permit) => permit.expect("the slot semaphore is never closed"),
            Err(_elapsed) => return Err(CallError::Overloaded),
        };
        let wasi = WasiCtx::builder()
            // Guest panics print here; nothing else is inherited.
            .inherit_stderr()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .wall_clock(self.clock)
            .build();
        let state = RequestState {
            wasi,
            http: WasiHttpCtx::new(),
            hooks: NoOutgoingHttp,
            table: ResourceTable::new(),
            limits: GuestLimits::new(self.memory_cap),
            store: StoreCtx::new(self.storage.clone()),
            hasher: self.hasher.clone(),
            rules: self.rules,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        // Check every tick: yield to other tasks until the deadline, then trap. Yielding
        // keeps a busy guest from holding an async worker for its whole deadline.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now())))
            }
        });
        Ok(SlottedStore { store, _slot: slot })
    }
}

#[cfg(test)]
impl Runtime {
    /// Take every instance slot until the permit drops, as a burst of calls would.
    pub(crate) fn occupy_all_slots(&self) -> OwnedSemaphorePermit {
        let all = u32::try_from(self.slots.available_permits()).expect("at most MAX_INSTANCES slots");
        self.slots.clone().try_acquire_many_owned(all).expect("the slot semaphore is never closed")
    }
}

/// Where the functions of each typed interface are in the component, found once. A call
/// then type-checks only the interface it uses: loading every interface's functions, as
/// the world's generated `RosterPre` does, took most of a trivial call's time.
pub(crate) struct Exports {
    pub(crate) users: users::GuestIndices,
    pub(crate) auth: auth::GuestIndices,
    pub(crate) roles: roles::GuestIndices,
    pub(crate) accounts: accounts::GuestIndices,
    pub(crate) transfer: transfer::GuestIndices,
    pub(crate) maintenance: maintenance::GuestIndices,
}

impl Exports {
    fn new(pre: &InstancePre<RequestState>) -> wasmtime::Result<Exports> {
        Ok(Exports {
            users: users::GuestIndices::new(pre)?,
            auth: auth::GuestIndices::new(pre)?,
            roles: roles::GuestIndices::new(pre)?,
            accounts: accounts::GuestIndices::new(pre)?,
            transfer: transfer::GuestIndices::new(pre)?,
            maintenance: maintenance::GuestIndices::new(pre)?,
        })
    }
}

/// A Store and the instance slot it holds. Fields drop in declaration order, so the Store
/// gives its instance back to the pooling allocator before the slot goes to the next call,
/// however the call ends (even when its task is aborted).
struct SlottedStore {
    store: Store<RequestState>,
    _slot: OwnedSemaphorePermit,
}

/// Count a call that ended in a trap, out of memory or past its deadline.
fn count_failure(metrics: &RuntimeMetrics, error: &CallError) {
    let kind = match error {
        CallError::DeadlineExceeded => TrapKind::Deadline,
        CallError::OutOfMemory(_) => TrapKind::OutOfMemory,
        CallError::Trap(_) => TrapKind::Trap,
        CallError::Overloaded | CallError::NoResponse | CallError::ErrorResponse(_) | CallError::Storage(_) => return,
    };
    metrics.count_trap(kind);
}

/// Sort a failed call into deadline, out-of-memory or trap.
fn classify(error: wasmtime::Error, store: &Store<RequestState>) -> CallError {
    if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        CallError::DeadlineExceeded
    } else if store.data().limits.memory_exhausted {
        CallError::OutOfMemory(error.into_boxed_dyn_error())
    } else {
        CallError::Trap(error.into_boxed_dyn_error())
    }
}

fn create_dir(path: &Path) -> Result<(), RuntimeError> {
    std::fs::create_dir_all(path).map_err(|source| RuntimeError::Directory { path: path.display().to_string(), source })
}

fn engine(config: &ServeConfig) -> Result<Engine, RuntimeError> {
    let engine_error = |e: wasmtime::Error| RuntimeError::Engine(e.into_boxed_dyn_error());
    let mut wasm = Config::new();
    wasm.epoch_interruption(true);

    // wasmtime requires an absolute cache directory.
    let cache_dir = std::path::absolute(config.data_dir.join("cache")).map_err(|source| RuntimeError::Directory {
        path: config.data_dir.join("cache").display().to_string(),
        source,
    })?;
    create_dir(&cache_dir)?;
    let mut cache = CacheConfig::new();
    cache.with_directory(cache_dir);
    wasm.cache(Some(Cache::new(cache).map_err(engine_error)?));

    let instances = config.max_instances;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances * CORE_INSTANCES_PER_COMPONENT)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .total_tables(instances * TABLES_PER_COMPONENT)
        .max_tables_per_component(TABLES_PER_COMPONENT)
        .total_memories(instances * MEMORIES_PER_COMPONENT)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        // Every instance runs on a fiber stack of its own.
        .total_stacks(instances)
        // The cap is also enforced by `GuestLimits`; setting it here keeps the pool's
        // bookkeeping honest. Address space is still reserved per memory at wasmtime's
        // default (4 GiB plus guard), which lets compiled code skip bounds checks.
        .max_memory_size(config.memory_cap)
        // A finished instance's memory and tables are reset where they lie: the pages it
        // wrote are found with Linux's PAGEMAP_SCAN (6.7 and later; elsewhere the low
        // `KEEP_RESIDENT` bytes are reset with memset) and restored in place, instead of
        // being handed back to the kernel and faulted in again by the next request. Giving
        // pages back costs a TLB shootdown on every core each time; measured under creates
        // at concurrency 64, those IPIs and page faults were the largest cost after the
        // guest itself. A warm slot keeps only the pages its requests wrote.
        .linear_memory_keep_resident(KEEP_RESIDENT.min(config.memory_cap))
        .table_keep_resident(KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&wasm).map_err(engine_error)
}

/// Advance the engine's epoch every [`EPOCH_TICK`] until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    thread::Builder::new()
        .name("roster-epoch".into())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread only fails when the OS is out of threads");
}

/// Per-instance state: the `T` of every `Store<T>`.
pub struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: NoOutgoingHttp,
    table: ResourceTable,
    limits: GuestLimits,
    store: StoreCtx,
    hasher: Hasher,
    rules: Rules,
}

impl RequestState {
    fn store_view(&mut self) -> StoreView<'_> {
        StoreView { ctx: &mut self.store, table: &mut self.table }
    }

    fn crypto_view(&mut self) -> CryptoView<'_> {
        CryptoView { hasher: &self.hasher }
    }

    fn settings_view(&mut self) -> SettingsView<'_> {
        SettingsView { rules: &self.rules }
    }
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// `wasi:http` hooks that refuse every outgoing request: the component has no network.
struct NoOutgoingHttp;

impl WasiHttpHooks for NoOutgoingHttp {
    fn send_request(
        &mut self,
        _request: hyper::Request<WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (hyper::Response<WasiBody>, Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// [`StoreLimits`] that also remember whether the guest asked for more memory than its cap,
/// so that the trap that follows is reported as out-of-memory.
struct GuestLimits {
    limits: StoreLimits,
    memory_exhausted: bool,
}

impl GuestLimits {
    fn new(memory_cap: usize) -> Self {
        GuestLimits { limits: StoreLimitsBuilder::new().memory_size(memory_cap).build(), memory_exhausted: false }
    }
}

impl ResourceLimiter for GuestLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.memory_exhausted |= !allowed;
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_exhausted = true;
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}
