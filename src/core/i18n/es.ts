import type { AuditAction, AuditValue } from '../quota/audit.ts';
import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';
import type { LimitSource } from '../quota/settings.ts';
import { secondsOf, spanOf, type Catalogue } from './catalogue.ts';
import type { CommandTexts } from './sections.ts';

const period = (quota: Pick<QuotaView, 'window'>) => (quota.window === 'day' ? 'hoy' : quota.window === 'week' ? 'esta semana' : 'este mes');
const resetsIn = (quota: QuotaView, now = Date.now()) =>
  `Se renueva en ${spanOf(quota.resetsAt.getTime() - now, { min: 'min', h: 'h', days: 'días' })}.`;
const bonusNote = (quota: QuotaView) =>
  quota.bonus > 0 ? `, más ${quota.bonus} imagen${quota.bonus === 1 ? '' : 'es'} extra (se guardan hasta usarlas)` : '';
const blockedLine = (block: QuotaBlock) => {
  const who = block.scope === 'platform' ? 'El dueño del bot te ha bloqueado' : 'Un moderador te ha bloqueado en esta comunidad';
  return `${who}${block.reason ? ` (motivo: ${block.reason})` : ''}. Habla con un moderador si crees que es un error.`;
};
const NOT_CHARGED = 'No se ha descontado de tu cuota.';
const NOTHING_CHANGED = 'No se ha cambiado nada.';

/** De dónde sale un límite, tal como lo lee un moderador. */
const LIMIT_SOURCE: Readonly<Record<LimitSource, string>> = {
  user: 'límite propio',
  community: 'predeterminado de esta comunidad',
  platform: 'predeterminado del dueño del bot',
  config: 'predeterminado de la configuración del bot',
};
const ACTION: Readonly<Record<AuditAction, string>> = {
  set: 'cambió el límite de',
  grant: 'dio imágenes extra a',
  reset: 'reinició el uso de',
  block: 'bloqueó a',
  unblock: 'desbloqueó a',
  default: 'cambió el límite predeterminado',
};
const NUMBER = { limit: 'El límite', amount: 'La cantidad', page: 'La página' } as const;
const value = (v: AuditValue) => (v === null ? 'ninguno' : v === true ? 'sí' : v === false ? 'no' : String(v));
const limitText = (limit: AuditValue) => (limit === null ? 'ninguno, se aplicaba el predeterminado' : value(limit));
const images = (n: AuditValue) => (n === 1 ? '1 imagen' : `${value(n)} imágenes`);
const EXAMPLE = 'haz el cielo morado';

/** Discord command and option names and descriptions, by path (see CommandTexts). */
const COMMANDS = {
  edit: { name: 'editar', description: 'Edita imágenes con Nano Banana' },
  'edit.prompt': { name: 'descripción', description: 'Qué quieres cambiar' },
  'edit.image': { name: 'imagen', description: 'La imagen que quieres editar' },
  'edit.image2': { name: 'imagen2', description: 'Una segunda imagen de entrada' },
  'edit.image3': { name: 'imagen3', description: 'Una tercera imagen de entrada' },
  'edit.image4': { name: 'imagen4', description: 'Una cuarta imagen de entrada' },
  'edit.count': { name: 'cantidad', description: 'Cuántos resultados (gasta esa cantidad de tu cuota)' },
  'edit.aspect_ratio': { name: 'proporción', description: 'Forma del resultado (por defecto: como la entrada)' },
  'edit.format': { name: 'formato', description: 'Formato de archivo del resultado' },
  imagine: { name: 'imaginar', description: 'Crea imágenes a partir de una descripción con Nano Banana' },
  'imagine.prompt': { name: 'descripción', description: 'Qué quieres crear' },
  'imagine.count': { name: 'cantidad', description: 'Cuántos resultados (gasta esa cantidad de tu cuota)' },
  'imagine.aspect_ratio': { name: 'proporción', description: 'Forma del resultado (por defecto: cuadrada)' },
  'imagine.format': { name: 'formato', description: 'Formato de archivo del resultado' },
  quota: { name: 'cuota', description: 'Cuántas imágenes te quedan' },
  help: { name: 'ayuda', description: 'Cómo usar este bot' },
  'quota-admin': { name: 'cuota-admin', description: 'Gestiona las cuotas de imágenes de este servidor (moderadores)' },
  'quota-admin.show': { name: 'ver', description: 'Muestra la cuota de un miembro' },
  'quota-admin.show.user': { name: 'miembro', description: 'De quién es la cuota' },
  'quota-admin.set': { name: 'fijar', description: 'Fija el límite propio de un miembro por periodo' },
  'quota-admin.set.user': { name: 'miembro', description: 'De quién es el límite' },
  'quota-admin.set.limit': { name: 'límite', description: 'Imágenes por periodo' },
  'quota-admin.grant': { name: 'dar', description: 'Da imágenes extra a un miembro (se guardan hasta usarlas)' },
  'quota-admin.grant.user': { name: 'miembro', description: 'Quién las recibe' },
  'quota-admin.grant.amount': { name: 'cantidad', description: 'Cuántas imágenes extra' },
  'quota-admin.reset': { name: 'reiniciar', description: 'Reinicia el uso de un miembro en este periodo' },
  'quota-admin.reset.user': { name: 'miembro', description: 'De quién es el uso' },
  'quota-admin.block': { name: 'bloquear', description: 'Impide a un miembro usar el bot aquí' },
  'quota-admin.block.user': { name: 'miembro', description: 'A quién bloquear' },
  'quota-admin.block.reason': { name: 'motivo', description: 'Por qué (se le muestra al miembro)' },
  'quota-admin.unblock': { name: 'desbloquear', description: 'Desbloquea a un miembro' },
  'quota-admin.unblock.user': { name: 'miembro', description: 'A quién desbloquear' },
  'quota-admin.default': { name: 'predeterminado', description: 'Fija el límite predeterminado para todos aquí' },
  'quota-admin.default.limit': { name: 'límite', description: 'Imágenes por periodo' },
  'quota-admin.log': { name: 'registro', description: 'Lee el registro de moderación, lo más reciente primero' },
  'quota-admin.log.user': { name: 'miembro', description: 'Solo acciones sobre este miembro' },
  'quota-admin.log.page': { name: 'página', description: 'Página (la 1 es la más reciente)' },
  'menu.edit': { name: 'Editar con Nano Banana', description: '' },
} as const satisfies CommandTexts;

export const es: Catalogue = {
  intlLocale: 'es-ES',
  errors: {
    INPUT_INVALID: 'Esa petición no es válida.',
    IMAGE_UNSUPPORTED: 'Ese archivo no es una imagen que pueda editar. Envía una imagen JPEG, PNG o WebP.',
    IMAGE_TOO_LARGE: 'Esa imagen es demasiado grande. Envía una más pequeña (menos de 20 MB y 50 megapíxeles).',
    DOWNLOAD_FAILED: 'No he podido descargar tu imagen. Envíala de nuevo, por favor.',
    PROVIDER_REJECTED: 'El servicio de imágenes ha rechazado esta petición.',
    PROVIDER_UNAVAILABLE: 'El servicio de imágenes no está disponible ahora mismo. Inténtalo de nuevo en unos minutos.',
    PROVIDER_FAILED: 'El servicio de imágenes no ha podido crear esta imagen. Prueba a reformular tu descripción.',
    PROVIDER_PROTOCOL: 'El servicio de imágenes ha enviado una respuesta que no entiendo. Inténtalo de nuevo.',
    TIMED_OUT: 'Ha tardado demasiado, así que lo he cancelado.',
    CANCELLED: 'Cancelado.',
    STORE_UNAVAILABLE: 'Ahora mismo no puedo acceder a mi base de datos, así que no acepto peticiones. Inténtalo más tarde.',
    DELIVERY_FAILED: 'Tu imagen está hecha, pero no he podido enviarla aquí.',
    INTERNAL: 'Algo ha fallado por mi parte.',
  },
  notCharged: NOT_CHARGED,
  queued: (position) => (position === undefined ? 'En cola…' : position <= 0 ? 'En cola: eres el siguiente…' : `En cola: ${position} por delante…`),
  running: (kind = 'edit') => (kind === 'edit' ? 'Editando…' : 'Creando…'),
  delivering: () => 'Enviando…',
  needPrompt: () => 'Dime qué cambiar: añade una descripción de la edición.',
  promptTooLong: (max) => `La descripción es demasiado larga. Usa menos de ${max} caracteres.`,
  needImage: () => 'Adjunta una imagen para editar, o usa /imagine para crear una solo con texto.',
  needImaginePrompt: () => 'Dime qué crear: /imagine seguido de una descripción, por ejemplo /imagine un zorro rojo en la nieve.',
  tooManyImages: (max) => `Envía como máximo ${max} imágenes a la vez.`,
  badCount: (max) => `Pide entre 1 y ${max} imágenes.`,
  duplicate: () => 'Ya estoy trabajando en esta petición.',
  cancelled: () => `Cancelado. ${NOT_CHARGED}`,
  restarting: () => `Me estoy reiniciando ahora mismo, así que no he empezado esta petición. Envíala de nuevo dentro de un minuto. ${NOT_CHARGED}`,
  suspended: () => 'En pausa: me estoy reiniciando. Tu petición seguirá sola dentro de un momento.',
  interrupted: () =>
    'Me reinicié antes de que tu petición llegara al servicio de imágenes, así que no se hizo nada ni se ha cobrado nada. Envíala de nuevo, por favor.',
  tooManyInFlight: (max) =>
    `Ya tienes ${max === 1 ? 'una petición' : `${max} peticiones`} en curso. Vuelve a enviar esta cuando ${max === 1 ? 'termine' : 'termine alguna'}. ${NOT_CHARGED}`,
  coolDown: (seconds) => `Espera ${seconds} s antes de tu próxima petición. ${NOT_CHARGED}`,
  cancelRefused: (why) =>
    why === 'not_yours' ? 'Solo quien lo pidió puede cancelarlo.' : why === 'too_late' ? 'Demasiado tarde para cancelar: el resultado ya va en camino.' : 'Esta petición ya ha terminado.',
  quotaExhausted: (quota, requested, now) => {
    const left = quota.remaining + quota.bonus;
    return left === 0
      ? `Has usado las ${quota.limit} imágenes de ${period(quota)}. ${resetsIn(quota, now)}`
      : `Has pedido ${requested} imágenes pero te quedan ${left}${quota.bonus > 0 ? ' (extra incluidas)' : ''}. Pide menos. ${resetsIn(quota, now)}`;
  },
  blocked: (block) => `${blockedLine(block)} ${NOT_CHARGED}`,
  done: (elapsedMs, quota) =>
    `Hecho en ${secondsOf(elapsedMs, ',')} s · te quedan ${quota.remaining} de ${quota.limit} imágenes ${period(quota)}${bonusNote(quota)}.`,
  quota: (quota, resets) => {
    const lines = quota.blocked ? [blockedLine(quota.blocked)] : [];
    const inFlight = quota.reserved > 0 ? ` ${quota.reserved} reservadas por peticiones en curso.` : '';
    lines.push(`Has usado ${quota.used} de ${quota.limit} imágenes ${period(quota)}; te quedan ${quota.remaining}${bonusNote(quota)}.${inFlight}`);
    lines.push(`Se renueva ${resets}.`);
    return lines.join('\n');
  },
  help: (platform) =>
    (platform === 'telegram'
      ? [
          'Envíame una foto con un texto que diga qué cambiar y te devolveré la imagen editada.',
          'También puedes responder a una foto con /edit <qué cambiar>. En grupos, empieza el texto con /edit.',
          '/imagine <descripción> crea una imagen nueva solo a partir de texto.',
          'Opciones en el texto: --n 2 (cuántas), --ar 16:9 (forma), --png / --jpeg / --webp (formato).',
          'Consejo: envía la imagen como archivo para conservar toda su calidad.',
          '/quota muestra cuántas imágenes te quedan.',
        ]
      : [
          `Usa /${COMMANDS.edit.name} con una descripción y una imagen, y te responderé con la imagen editada.`,
          `Opciones: hasta cuatro imágenes de entrada, ${COMMANDS['edit.count'].name} (1–4 resultados), ${COMMANDS['edit.aspect_ratio'].name} y ${COMMANDS['edit.format'].name}.`,
          `Usa /${COMMANDS.imagine.name} con una descripción para crear una imagen solo con texto, con las mismas opciones.`,
          `/${COMMANDS.quota.name} muestra cuántas imágenes te quedan.`,
        ]
    ).join('\n'),
  moment: (p) => `el ${p.weekday} ${p.day} ${p.month} a las ${p.time} (${p.timeZone})`,
  chat: {
    needCaption: () =>
      `Añade a tu foto un texto que diga qué cambiar, por ejemplo «${EXAMPLE}», y vuelve a enviarla. ` +
      'También puedes responder a la foto con /edit y tu petición.',
    editUsage: (botUsername, inGroup) =>
      [
        'Para editar una foto, responde a ella con /edit y lo que quieras cambiar, por ejemplo:',
        `/edit ${EXAMPLE}`,
        inGroup ? `O envía la foto con un texto que empiece por /edit o que mencione a @${botUsername}.` : 'O envíame la foto con un texto que diga qué cambiar.',
      ].join('\n'),
    privateHint: () => 'Envíame una foto con un texto que diga qué cambiar, o responde a una foto con /edit y tu petición. Con /help te cuento más.',
    imagineUsage: () => 'Para crear una imagen a partir de texto, envía /imagine y una descripción, por ejemplo:\n/imagine un zorro rojo en la nieve --ar 16:9',
    needPromptWithOptions: () => 'Además de las opciones, añade una descripción de lo que quieres.',
    notAnImage: () => 'Solo puedo editar imágenes: envía una foto o un archivo JPEG, PNG o WebP. Este archivo no es ninguno de ellos.',
    fileTooLarge: (megabytes) =>
      `Este archivo es demasiado grande: desde Telegram solo puedo descargar archivos de hasta ${megabytes} MB. Envíalo como foto o en un archivo más pequeño.`,
    tooManyImages: (count, max) => `Son ${count} imágenes y puedo editar como máximo ${max} a la vez. Envía menos y vuelve a intentarlo. ${NOT_CHARGED}`,
    albumTakenLate: (count) => `La petición de este álbum ya había empezado con ${images(count)}; vuelve a enviar con /edit las fotos que llegaron tarde.`,
    commandGone: () => 'Este comando ya no está disponible. Usa /help para ver lo que puedo hacer.',
  },
  buttons: {
    cancel: 'Cancelar',
    sendAsFile: 'Enviar como archivo',
    sendAsFiles: 'Enviar como archivos',
    again: 'Repetir',
    editAgain: 'Editar de nuevo',
    editThis: 'Editar esta imagen',
    useAsInput2: 'Usar como entrada #2',
    promptLabel: 'Qué cambiar',
    cancelling: 'Cancelando…',
    gone: 'Este archivo ya no está disponible; vuelve a pedirlo.',
    notYourRequest: 'Solo quien hizo la petición puede usar este botón.',
    alreadyAgain: 'Ya está en marcha: usa los botones del resultado más reciente.',
    editAgainPrompt: (isPrivate, username) =>
      isPrivate
        ? `Responde a la imagen con lo que quieras cambiar, por ejemplo: ${EXAMPLE}.`
        : `${username ? `@${username}, responde` : 'Responde'} a la imagen con /edit y lo que quieras cambiar, por ejemplo: /edit ${EXAMPLE}.`,
  },
  options: {
    help: (maxCount) => `Opciones: --n 1-${maxCount} (cuántas), --ar 16:9 (forma), --png, --jpeg o --webp (formato).`,
    badCount: (flag, max) => `--${flag} admite un número del 1 al ${max}.`,
    badRatio: (flag, ratios) => `--${flag} admite uno de estos valores: ${ratios.join(', ')}.`,
    badFormat: (flag) => `--${flag} admite png, jpeg o webp.`,
    unknownOption: (flag) => `No conozco la opción --${flag}.`,
  },
  moderation: {
    notModerator: () => `Solo los moderadores de esta comunidad pueden usar este comando. ${NOTHING_CHANGED}`,
    notOwnerInPrivate: () =>
      'Los comandos de moderación funcionan en un servidor o grupo, para sus moderadores. En un chat privado solo pueden usarlos los dueños del bot.',
    missingTarget: (platform) =>
      platform === 'telegram' ? 'Indica de quién es la cuota: responde a uno de sus mensajes o añade su @username o su id numérico.' : 'Elige a qué miembro te refieres.',
    unknownTarget: (text) => `Todavía no he visto a ${text}, así que no sé quién es. Responde a uno de sus mensajes o usa su id numérico.`,
    targetIsBot: () => 'Los bots no tienen cuota. Elige a una persona.',
    badNumber: (what, min, max) => `${NUMBER[what]} debe ser un número entero entre ${min} y ${max}. ${NOTHING_CHANGED}`,
    missingNumber: (what) => `Indica ${NUMBER[what].toLowerCase()} con un número. ${NOTHING_CHANGED}`,
    someone: (userId) => `usuario ${userId}`,
    show: (who, quota, resets) => {
      const lines = [
        `${who}: ha usado ${quota.used} de ${quota.limit} imágenes ${period(quota)} (${LIMIT_SOURCE[quota.limitSource]}); le quedan ${quota.remaining} y tiene ${quota.bonus} extra.`,
      ];
      if (quota.reserved > 0) lines.push(`${quota.reserved} reservada${quota.reserved === 1 ? '' : 's'} por peticiones en curso.`);
      lines.push(`El periodo se renueva ${resets}.`);
      if (quota.blocked) {
        const where = quota.blocked.scope === 'platform' ? 'en toda esta plataforma' : 'aquí';
        lines.push(`Tiene el acceso bloqueado ${where}${quota.blocked.reason ? ` (motivo: ${quota.blocked.reason})` : ''}.`);
      }
      return lines.join('\n');
    },
    set: (who, change) =>
      change.after === null
        ? `${who} ya no tiene límite propio (antes: ${limitText(change.before)}); se aplica el predeterminado.`
        : `${who} ahora puede usar ${images(change.after)} por periodo (límite propio anterior: ${limitText(change.before)}).`,
    grant: (who, change, amount) =>
      `Has dado ${images(amount)} extra a ${who}: extra ${value(change.before)} → ${value(change.after)}. Las imágenes extra se guardan hasta que se usan.`,
    reset: (who, change) => `Has reiniciado el uso de ${who} en este periodo: ${value(change.before)} → 0.`,
    block: (who, change, platformWide) =>
      change.before === true
        ? `${who} ya tenía el acceso bloqueado${platformWide ? ' en todas partes' : ' aquí'}; se ha actualizado el motivo.`
        : `Has bloqueado a ${who}${platformWide ? ' en toda esta plataforma' : ' aquí'}. Sus peticiones se rechazarán, sin gastar cuota, hasta que se levante el bloqueo.`,
    unblock: (who, change, platformWide) =>
      change.before === true
        ? `Has desbloqueado a ${who}${platformWide ? ' en todas partes' : ''}.`
        : `${who} no tenía el acceso bloqueado${platformWide ? ' en toda la plataforma' : ' aquí'}; ${NOTHING_CHANGED.toLowerCase()}`,
    setDefault: (change, platformWide) => {
      const where = platformWide ? 'El límite predeterminado para todos en esta plataforma' : 'El límite predeterminado de esta comunidad';
      return change.after === null
        ? `${where} se ha eliminado (antes: ${limitText(change.before)}); se aplica el del nivel superior.`
        : `${where} es ahora de ${images(change.after)} por periodo (antes: ${limitText(change.before)}).`;
    },
    logEmpty: (page) => (page === 1 ? 'Todavía no hay acciones de moderación registradas.' : `El registro no tiene página ${page}.`),
    logPage: (lines, page, pages) =>
      [`Registro de moderación, lo más reciente primero (página ${page} de ${pages}):`, ...lines, ...(page < pages ? [`Entradas anteriores: página ${page + 1}.`] : [])].join(
        '\n',
      ),
    logLine: (entry, when) => {
      const actor = entry.actor.name ?? entry.actor.userId;
      const target = entry.target ? ` ${entry.target.name ?? entry.target.userId}` : '';
      const reason = entry.reason ? ` (motivo: ${entry.reason})` : '';
      return `• ${when}: ${actor} ${ACTION[entry.action]}${target}: ${value(entry.before)} → ${value(entry.after)}${reason}`;
    },
  },
  result: {
    promptLabel: 'Descripción',
    elapsedLabel: 'Tiempo',
    providerLabel: 'Hecha con',
    seconds: (ms) => `${secondsOf(ms, ',')} s`,
    reencoded: (count, limit) =>
      count === 1
        ? `Una imagen era demasiado grande para subirla aquí (${limit}), así que se ha enviado como JPEG más pequeño.`
        : `${count} imágenes eran demasiado grandes para subirlas aquí (${limit}), así que se han enviado como JPEG más pequeños.`,
    leftOut: (count, total, limit) =>
      count === 1
        ? `No se ha podido enviar 1 de ${total} imágenes: es demasiado grande para subirla aquí (${limit}), incluso reducida. ${NOT_CHARGED}`
        : `No se han podido enviar ${count} de ${total} imágenes: son demasiado grandes para subirlas aquí (${limit}), incluso reducidas. No se han descontado de tu cuota.`,
    lateDelivery: (mention) => `${mention}, tus imágenes están listas. (Tu petición tardó más de lo que Discord me deja editar la respuesta original).`,
    modalTitle: 'Editar con Nano Banana',
    noImagesInMessage: () => 'Ese mensaje no tiene ninguna imagen que pueda editar. Úsalo en un mensaje con una imagen adjunta.',
    inputsExpired: () => `Discord ya no ofrece las imágenes originales. Usa «Editar esta imagen» en el resultado o vuelve a usar /${COMMANDS.edit.name}.`,
  },
  commands: COMMANDS,
};
